using Scaler.Testing;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using NvmlExporter.Tests.FakeNvml;

namespace NvmlExporter.Tests.Support;

/// <summary>
/// The exporter as a real process (the built nvml-exporter.dll), on a loopback port it picks itself.
/// Each process loads its own NVML library, so the legacy-driver fake and the full fake can both be
/// exercised, and a test sees exactly what Prometheus would.
/// </summary>
public sealed partial class ExporterProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ExporterProcess(Process process) => _process = process;

    public Uri BaseAddress { get; private set; } = null!;

    public string Output => string.Join('\n', _output);

    public static string ExporterDll => Path.Combine(AppContext.BaseDirectory, "nvml-exporter.dll");

    /// <summary>Starts the exporter on the fake NVML with <paramref name="fleet"/>'s state file.</summary>
    public static Task<ExporterProcess> StartAsync(FakeGpuFleet fleet, string? library = null, IReadOnlyDictionary<string, string>? environment = null, params string[] args)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["FAKE_NVML_STATE"] = fleet.StatePath,
        };
        env.TryAdd("NVML_LIBRARY_PATH", library ?? FakeGpuFleet.LibraryPath);
        return StartAsync(env, args);
    }

    public static async Task<ExporterProcess> StartAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var process = new Process { StartInfo = StartInfo(environment, ["--listen", "127.0.0.1:0", "--kubernetes", "false", .. args]) };
        var exporter = new ExporterProcess(process);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            exporter._output.Enqueue(e.Data);
            var match = ListeningLine().Match(e.Data);
            if (match.Success)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(30))).ConfigureAwait(false);
        if (first != listening.Task)
        {
            await exporter.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"The exporter did not start listening. Output:\n{exporter.Output}");
        }

        exporter.BaseAddress = await listening.Task.ConfigureAwait(false);
        return exporter;
    }

    /// <summary>Runs the exporter expecting it to stop on its own (bad configuration); returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = new Process { StartInfo = StartInfo(environment, args) };
        process.Start();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("The exporter kept running; it was expected to stop at start-up.");
        }

        return (process.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
    }

    public async Task<string> ScrapeAsync() => await Http.GetStringAsync(new Uri(BaseAddress, "/metrics")).ConfigureAwait(false);

    public async Task<HttpResponseMessage> GetAsync(string path) => await Http.GetAsync(new Uri(BaseAddress, path)).ConfigureAwait(false);

    /// <summary>Scrapes until <paramref name="condition"/> holds, for at most <paramref name="timeout"/> (default 15 s).</summary>
    public Task<string> ScrapeUntilAsync(Func<string, bool> condition, TimeSpan? timeout = null) =>
        Eventually.ReturnsAsync(ScrapeAsync, condition, timeout ?? TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(100));

    public int ProcessId => _process.Id;

    public ValueTask DisposeAsync() => _process.KillAndDisposeAsync();

    private static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string> environment, string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ExporterDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "NVML_LIBRARY_PATH", "NVML_EXPORTER_INTERVAL", "NVML_EXPORTER_LISTEN", "NVML_EXPORTER_KUBERNETES", "NVML_EXPORTER_POD_RESOURCES_SOCKET", "NODE_NAME", "FAKE_NVML_STATE" })
        {
            info.Environment.Remove(name);
        }

        info.Environment["NODE_NAME"] = "gpu-node-1";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return info;
    }

    [GeneratedRegex(@"Now listening on: (http://[^\s]+)")]
    private static partial Regex ListeningLine();
}
