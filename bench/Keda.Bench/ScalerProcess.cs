using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Keda.Bench;

/// <summary>
/// The Scaler as it ships (<c>dotnet scaler.dll</c>, production defaults: server GC, console logging) in a
/// child process listening on 127.0.0.1, out of a cluster. Its output is drained and the tail kept for errors.
/// </summary>
internal sealed class ScalerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private bool _disposed;

    private ScalerProcess(Process process, int grpcPort, int httpPort, string command)
    {
        _process = process;
        GrpcAddress = new Uri($"http://127.0.0.1:{grpcPort}");
        HttpAddress = new Uri($"http://127.0.0.1:{httpPort}");
        Command = command;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri GrpcAddress { get; }

    public Uri HttpAddress { get; }

    public string Command { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Tail
    {
        get
        {
            lock (_tail)
            {
                return string.Join(Environment.NewLine, _tail);
            }
        }
    }

    public static ScalerProcess Start(string scalerDll, IEnumerable<string> extraArguments)
    {
        var grpcPort = FreePort();
        var httpPort = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(scalerDll)!,
        };
        string[] arguments =
        [
            scalerDll,
            "--Scaler:Host:Address=127.0.0.1",
            $"--Scaler:Host:GrpcPort={grpcPort}",
            $"--Scaler:Host:HttpPort={httpPort}",
            // The HTTPS port is not measured; any free one, so that runs never collide on 6443.
            "--Scaler:Host:HttpsPort=0",
            "--Scaler:Host:PeerPort=0",
            .. extraArguments,
        ];
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Out of a cluster, whatever the machine has: no service account, no kubeconfig.
        info.Environment.Remove("KUBERNETES_SERVICE_HOST");
        info.Environment["KUBECONFIG"] = Path.Combine(Path.GetTempPath(), "keda-bench-no-kubeconfig");
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        return new ScalerProcess(process, grpcPort, httpPort, "dotnet " + string.Join(' ', arguments));
    }

    /// <summary>Waits until grpc.health.v1 answers SERVING on the gRPC port.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var channel = GrpcChannel.ForAddress(GrpcAddress);
        var health = new Health.HealthClient(channel);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the scaler exited with {_process.ExitCode}:{Environment.NewLine}{Tail}");
            }

            try
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(1));
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (Grpc.Core.RpcException) when (deadline.Elapsed < timeout)
            {
            }

            await Task.Delay(100);
        }
    }

    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Resident and peak resident set size (VmRSS, VmHWM) from /proc, in MiB.</summary>
    public (double Rss, double Peak) Memory()
    {
        double Read(string field)
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
            var kib = line[(field.Length + 1)..].Trim().Split(' ')[0];
            return double.Parse(kib, CultureInfo.InvariantCulture) / 1024;
        }

        return (Read("VmRSS"), Read("VmHWM"));
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > 40)
            {
                _tail.Dequeue();
            }
        }
    }
}
