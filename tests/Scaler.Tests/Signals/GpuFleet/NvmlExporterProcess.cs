using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using NvmlExporter.Tests.FakeNvml;
using Scaler.Testing;

namespace Scaler.Tests.Signals.GpuFleet;

/// <summary>
/// The real exporter (nvml-exporter.dll from the test output) as a process on 127.0.0.1 with a port it
/// picks, on the fake libnvidia-ml driven by a <see cref="FakeGpuFleet"/> state file, attributing devices
/// to pods through a <see cref="PodResourcesKubelet"/>. Killed on dispose.
/// </summary>
internal sealed partial class NvmlExporterProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private NvmlExporterProcess(Process process) => _process = process;

    public Uri MetricsUrl { get; private set; } = null!;

    public string Output => string.Join('\n', _output);

    public static async Task<NvmlExporterProcess> StartAsync(FakeGpuFleet gpus, string node, string podResourcesSocket)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "nvml-exporter.dll"), "--listen", "127.0.0.1:0", "--kubernetes", "true",
            "--pod-resources-socket", podResourcesSocket, "--attribution-interval", "1s", "--interval", "500ms",
        })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("NVML_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["NVML_LIBRARY_PATH"] = FakeGpuFleet.LibraryPath;
        info.Environment["FAKE_NVML_STATE"] = gpus.StatePath;
        info.Environment["NODE_NAME"] = node;

        var exporter = new NvmlExporterProcess(new Process { StartInfo = info });
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            exporter._output.Enqueue(e.Data);
            if (ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(new Uri(match.Groups[1].Value), "/metrics"));
            }
        }

        exporter._process.OutputDataReceived += OnLine;
        exporter._process.ErrorDataReceived += OnLine;
        exporter._process.Start();
        exporter._process.BeginOutputReadLine();
        exporter._process.BeginErrorReadLine();
        var first = await Task.WhenAny(listening.Task, exporter._process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != listening.Task)
        {
            await exporter.DisposeAsync();
            throw new InvalidOperationException($"The exporter did not start listening. Output:\n{exporter.Output}");
        }

        exporter.MetricsUrl = await listening.Task;
        return exporter;
    }

    /// <summary>Polls /metrics (real I/O, bounded) until <paramref name="condition"/> holds: the attribution and the first samples are in.</summary>
    public async Task<string> WaitForAsync(Func<string, bool> condition, HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return await Eventually.ReturnsAsync(() => http.GetStringAsync(MetricsUrl), condition, timeout: TimeSpan.FromSeconds(30), interval: TimeSpan.FromMilliseconds(100));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://[^\s]+)")]
    private static partial Regex ListeningLine();
}
