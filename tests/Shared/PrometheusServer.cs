using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Scaler.Testing;

/// <summary>
/// A real Prometheus (Debian's <c>prometheus</c> package, installed by the README's test command) on
/// 127.0.0.1 and a free port, its storage in a temp directory, scraping loopback targets every second.
/// Ready once it answers <c>/-/ready</c> and has scraped every target once. Killed, and its directory
/// removed, on dispose. Compiled into each test project that drives one (tests/Shared).
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    public const string JobName = "target";

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Process _process;
    private readonly string _directory;

    private PrometheusServer(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>
    /// Starts a server scraping <paramref name="targets"/> (host:port, path /metrics) as job <see cref="JobName"/>,
    /// with <c>honor_labels</c> (as the exporter's ServiceMonitor sets it).
    /// </summary>
    public static Task<PrometheusServer> StartAsync(params string[] targets) => StartAsync(targets, []);

    /// <summary>As <see cref="StartAsync(string[])"/>, with extra command-line <paramref name="flags"/> (<c>--query.timeout=50ms</c>).</summary>
    public static async Task<PrometheusServer> StartAsync(string[] targets, string[] flags)
    {
        var directory = Directory.CreateTempSubdirectory("scaler-prometheus-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: {JobName}
                honor_labels: true
                static_configs:
                  - targets: [{string.Join(", ", targets.Select(t => $"'{t}'"))}]
            """).ConfigureAwait(false);
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
        foreach (var flag in flags)
        {
            info.ArgumentList.Add(flag);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("prometheus did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Directory.Delete(directory, recursive: true);
            throw new InvalidOperationException("'prometheus' is not installed. The README's test command (./test.sh) installs it with apt-get.", e);
        }

        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}"));
        try
        {
            await server.WaitUntilAsync(async () => (await Http.GetAsync(new Uri(server.Address, "/-/ready")).ConfigureAwait(false)).IsSuccessStatusCode, "ready").ConfigureAwait(false);
            await server.WaitUntilAsync(async () => (await server.QueryAsync($"up{{job=\"{JobName}\"}} == 1").ConfigureAwait(false)).Count == targets.Length, "first scrape of every target").ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>An instant query; returns the vector's (labels, value) pairs.</summary>
    public async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string query)
    {
        var json = await Http.GetStringAsync(new Uri(Address, "/api/v1/query?query=" + Uri.EscapeDataString(query))).ConfigureAwait(false);
        using var document = JsonDocument.Parse(json);
        var result = new List<(Dictionary<string, string>, double)>();
        foreach (var item in document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = item.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            var value = double.Parse(item.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
            result.Add((labels, value));
        }

        return result;
    }

    /// <summary>Kills the server (the "down" fault); dispose still cleans up.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
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
                if (await condition().ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100).ConfigureAwait(false);
        }

        throw new TimeoutException($"prometheus: no {what} within 30 s");
    }
}
