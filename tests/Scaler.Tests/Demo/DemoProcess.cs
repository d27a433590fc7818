using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Scaler.Tests.Demo;

/// <summary>
/// <c>scaler demo</c> as a process: the README's command run from the built <c>scaler.dll</c> (what
/// <c>dotnet run --project src/Scaler -- demo</c> runs), every port chosen free so that tests and other work on
/// the machine do not collide, and what it prints read back: the page's URL, the gRPC address, the demo clock's
/// start and the ScaledObject's trigger metadata. Interrupted as Ctrl+C does; killed if it does not stop.
/// </summary>
internal sealed partial class DemoProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private DemoProcess(Process process) => _process = process;

    public Uri PageUrl { get; private set; } = null!;

    public Uri GrpcAddress { get; private set; } = null!;

    public DateTimeOffset ClockStart { get; private set; }

    /// <summary>The trigger metadata of the printed ScaledObject, as KEDA would send it.</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Everything printed so far (stdout and stderr).</summary>
    public string Output => string.Join('\n', _output);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static async Task<DemoProcess> StartAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "scaler.dll"));
        info.ArgumentList.Add("demo");
        foreach (var argument in arguments.Concat(["--grpc-port", "0", "--http-port", "0", "--https-port", "0", "--pod-port", "0"]))
        {
            info.ArgumentList.Add(argument);
        }

        // Loopback only: no proxy may take a call elsewhere; no kubeconfig is ever read for a cluster.
        foreach (var name in new[] { "grpc_proxy", "https_proxy", "http_proxy", "GRPC_PROXY", "HTTPS_PROXY", "HTTP_PROXY" })
        {
            info.Environment.Remove(name);
        }

        var demo = new DemoProcess(new Process { StartInfo = info });
        var banner = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var inMetadata = false;
        void OnLine(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is not { } line)
            {
                return;
            }

            demo._output.Enqueue(line);
            if (PageLine().Match(line) is { Success: true } page)
            {
                demo.PageUrl = new Uri(page.Groups[1].Value);
            }
            else if (GrpcLine().Match(line) is { Success: true } grpc)
            {
                demo.GrpcAddress = new Uri("http://" + grpc.Groups[1].Value);
            }
            else if (ClockLine().Match(line) is { Success: true } clock)
            {
                demo.ClockStart = DateTimeOffset.Parse(clock.Groups[1].Value, CultureInfo.InvariantCulture);
            }
            else if (line.Trim() == "metadata:" && line.StartsWith("      ", StringComparison.Ordinal))
            {
                inMetadata = true;
            }
            else if (inMetadata && MetadataLine().Match(line) is { Success: true } pair)
            {
                demo.Metadata[pair.Groups[1].Value] = pair.Groups[2].Value.Trim('"');
            }
            else if (inMetadata)
            {
                inMetadata = false;
            }

            if (line.StartsWith("Ctrl+C stops it", StringComparison.Ordinal))
            {
                banner.TrySetResult();
            }
        }

        demo._process.OutputDataReceived += OnLine;
        demo._process.ErrorDataReceived += OnLine;
        demo._process.Start();
        demo._process.BeginOutputReadLine();
        demo._process.BeginErrorReadLine();
        var first = await Task.WhenAny(banner.Task, demo._process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != banner.Task)
        {
            var output = demo.Output;
            await demo.DisposeAsync();
            throw new InvalidOperationException($"The demo did not print its banner. Output:\n{output}");
        }

        return demo;
    }

    /// <summary>Sends SIGINT, as Ctrl+C in a terminal does.</summary>
    public void Interrupt()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                Interrupt();
                try
                {
                    await WaitForExitAsync(TimeSpan.FromSeconds(15));
                }
                catch (TimeoutException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"^page: (http://\S+)$")]
    private static partial Regex PageLine();

    [GeneratedRegex(@"^gRPC: (\S+) ")]
    private static partial Regex GrpcLine();

    [GeneratedRegex(@"^clock: demo time runs \S+ from (\S+)$")]
    private static partial Regex ClockLine();

    [GeneratedRegex(@"^        ([A-Za-z]+): (.+)$")]
    private static partial Regex MetadataLine();
}
