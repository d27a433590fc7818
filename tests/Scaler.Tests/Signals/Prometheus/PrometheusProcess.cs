using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Scaler.Tests.Signals.Prometheus;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c>) on 127.0.0.1 and a free port, storage in a temp
/// directory, scraping one loopback target every second. Ready once it answers <c>/-/ready</c> and has
/// scraped the target once. Killed and its directory removed on dispose.
/// </summary>
internal sealed class PrometheusProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Process _process;
    private readonly string _directory;

    private PrometheusProcess(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Starts a server scraping <paramref name="target"/> (host:port, path /metrics) as job <c>target</c>.</summary>
    public static async Task<PrometheusProcess> StartAsync(string target)
    {
        var directory = Directory.CreateTempSubdirectory("scaler-prometheus-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: target
                static_configs:
                  - targets: ['{target}']
            """);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var info = new ProcessStartInfo("prometheus") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add($"--config.file={config}");
        info.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
        info.ArgumentList.Add($"--storage.tsdb.path={Path.Combine(directory, "data")}");
        var process = Process.Start(info) ?? throw new InvalidOperationException("prometheus did not start; is the Debian package installed (./test.sh)?");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusProcess(process, directory, new Uri($"http://127.0.0.1:{port}"));
        try
        {
            await server.WaitUntilAsync(async () => (await Http.GetAsync(new Uri(server.Address, "/-/ready"))).IsSuccessStatusCode, "ready");
            await server.WaitUntilAsync(async () => await server.HasScrapedAsync(), "first scrape");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Kills the server (the "down" fault); dispose still cleans up.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<bool> HasScrapedAsync()
    {
        var json = await Http.GetStringAsync(new Uri(Address, "/api/v1/query?query=up%7Bjob%3D%22target%22%7D%3D%3D1"));
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("data").GetProperty("result").GetArrayLength() == 1;
    }

    // Bounded polling: waiting for a real process, not for our own code.
    private async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with {_process.ExitCode} before {what}");
            }

            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"prometheus: no {what} within 30 s");
    }
}
