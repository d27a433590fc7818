using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using Xunit;

namespace Scaler.Tests.Signals.RabbitMq;

[CollectionDefinition(Name)]
public sealed class RabbitMqBrokerGroup : ICollectionFixture<RabbitMqBrokerFixture>
{
    public const string Name = "RabbitMQ broker";
}

/// <summary>
/// A real RabbitMQ broker (the Debian <c>rabbitmq-server</c> package) for one test collection: loopback only
/// (AMQP, management, Erlang distribution and epmd), its own node name, ports, data and log directories,
/// statistics every 500 ms kept at 1 s granularity (defaults: 5 s) so the management API catches up quickly. Started once, stopped at the end by its
/// node name, with its leftover processes and (when nothing else uses it) the epmd it started.
/// </summary>
public sealed class RabbitMqBrokerFixture : IAsyncLifetime, IDisposable
{
    private const string Server = "/usr/sbin/rabbitmq-server";
    private const string Ctl = "/usr/sbin/rabbitmqctl";
    private const string Epmd = "epmd";
    private const string LoopbackDistribution = "-kernel inet_dist_use_interface {127,0,0,1}";
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(120);

    private readonly Dictionary<string, IConnection> _clients = new(StringComparer.Ordinal);
    private readonly StringBuilder _output = new();
    private readonly HttpClient _management = new();
    private DirectoryInfo? _directory;
    private Process? _server;
    private bool _epmdWasRunning;

    public string NodeName { get; } = "scaler-test-" + Guid.NewGuid().ToString("N")[..10] + "@localhost";

    public int AmqpPort { get; private set; }

    public int ManagementPort { get; private set; }

    private int DistributionPort { get; set; }

    /// <summary>The broker's startup and runtime output so far (for failure messages).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async Task InitializeAsync()
    {
        if (OperatingSystem.IsWindows() || !File.Exists(Server))
        {
            throw new InvalidOperationException($"{Server} is missing: install the Debian package rabbitmq-server (test.sh does) without starting its service");
        }

        _epmdWasRunning = (await RunAsync(Epmd, "-names", TimeSpan.FromSeconds(10))).ExitCode == 0;
        AmqpPort = FreePort();
        ManagementPort = FreePort();
        DistributionPort = FreePort();

        _directory = Directory.CreateTempSubdirectory("scaler-rabbitmq-");
        // CreateTempSubdirectory makes a 700 folder; the broker runs as the rabbitmq user and must traverse it.
        File.SetUnixFileMode(_directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        Directory.CreateDirectory(Path.Combine(_directory.FullName, "mnesia"));
        Directory.CreateDirectory(Path.Combine(_directory.FullName, "log"));
        await File.WriteAllTextAsync(Path.Combine(_directory.FullName, "enabled_plugins"), "[rabbitmq_management].\n");
        await File.WriteAllTextAsync(Path.Combine(_directory.FullName, "rabbitmq.conf"), string.Create(CultureInfo.InvariantCulture, $"""
            management.tcp.ip = 127.0.0.1
            management.tcp.port = {ManagementPort}
            collect_statistics_interval = 500
            management.sample_retention_policies.global.minute = 1
            management.sample_retention_policies.basic.minute = 1
            management.sample_retention_policies.detailed.10 = 1
            log.console = true
            log.console.level = warning
            log.file.level = info

            """));
        var chown = await RunAsync("chown", $"rabbitmq:rabbitmq {Path.Combine(_directory.FullName, "mnesia")} {Path.Combine(_directory.FullName, "log")}", TimeSpan.FromSeconds(10));
        if (chown.ExitCode != 0)
        {
            throw new InvalidOperationException("chown to the rabbitmq user failed (the broker tests run as root): " + chown.Output);
        }

        _management.BaseAddress = new Uri($"http://127.0.0.1:{ManagementPort}/");
        _management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8));
        _management.Timeout = TimeSpan.FromSeconds(10);
        try
        {
            await StartAsync();
        }
        catch
        {
            // A fixture that failed to start is not disposed by xunit: leave nothing behind.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            await client.DisposeAsync();
        }

        _clients.Clear();
        try
        {
            await StopAsync();
        }
        finally
        {
            KillLeftovers();
            await StopEpmdIfUnusedAsync();
            _management.Dispose();
            try
            {
                _directory?.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    public void Dispose()
    {
        _management.Dispose();
        _server?.Dispose();
    }

    /// <summary>Starts the node and waits until both AMQP and the management API answer.</summary>
    public async Task StartAsync()
    {
        var start = new ProcessStartInfo(Server)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        SetEnvironment(start);
        _server = new Process { StartInfo = start, EnableRaisingEvents = true };
        _server.OutputDataReceived += (_, e) => Append(e.Data);
        _server.ErrorDataReceived += (_, e) => Append(e.Data);
        _server.Start();
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (_server.HasExited)
            {
                throw new InvalidOperationException($"rabbitmq-server exited with {_server.ExitCode} while starting:\n{Output}");
            }

            if (watch.Elapsed > StartLimit)
            {
                throw new TimeoutException($"rabbitmq-server not ready after {StartLimit}:\n{Output}");
            }

            if (await AmqpAnswersAsync() && await ManagementAnswersAsync())
            {
                return;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Stops the node by name (<c>rabbitmqctl -n NODE stop</c>) and waits for its process to end.</summary>
    public async Task StopAsync()
    {
        if (_server is null)
        {
            return;
        }

        var stop = await RunAsync(Ctl, $"-n {NodeName} stop", TimeSpan.FromSeconds(60));
        using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _server.WaitForExitAsync(exited.Token);
        }
        catch (OperationCanceledException)
        {
            Append($"rabbitmqctl stop ({stop.ExitCode}) did not end the node: {stop.Output}");
        }

        if (!_server.HasExited)
        {
            _server.Kill(entireProcessTree: true);
        }

        _server.Dispose();
        _server = null;
    }

    public string AmqpUri(string vhost = "/", string user = "guest", string password = "guest") =>
        $"amqp://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(password)}@127.0.0.1:{AmqpPort}/{Uri.EscapeDataString(vhost)}";

    public string ManagementUri(string vhost = "/", string user = "guest", string password = "guest") =>
        $"http://{Uri.EscapeDataString(user)}:{Uri.EscapeDataString(password)}@127.0.0.1:{ManagementPort}/{Uri.EscapeDataString(vhost)}";

    /// <summary>A test client connection (not the source's) to a vhost, reopened after a restart.</summary>
    public async Task<IConnection> ClientAsync(string vhost = "/")
    {
        if (_clients.TryGetValue(vhost, out var existing) && existing.IsOpen)
        {
            return existing;
        }

        if (existing is not null)
        {
            await existing.DisposeAsync();
        }

        var factory = new ConnectionFactory
        {
            HostName = "127.0.0.1",
            Port = AmqpPort,
            VirtualHost = vhost,
            ClientProvidedName = "scaler-tests",
            AutomaticRecoveryEnabled = false,
        };
        var connection = await factory.CreateConnectionAsync();
        _clients[vhost] = connection;
        return connection;
    }

    /// <summary>Declares a fresh queue with a unique name.</summary>
    public async Task<string> DeclareQueueAsync(string vhost = "/", bool durable = false)
    {
        var name = "q-" + Guid.NewGuid().ToString("N")[..12];
        await using var channel = await (await ClientAsync(vhost)).CreateChannelAsync();
        await channel.QueueDeclareAsync(name, durable: durable, exclusive: false, autoDelete: false);
        return name;
    }

    public async Task PublishAsync(string queue, int count, string vhost = "/")
    {
        await using var channel = await (await ClientAsync(vhost)).CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        for (var i = 0; i < count; i++)
        {
            await channel.BasicPublishAsync("", queue, mandatory: true, Encoding.UTF8.GetBytes("m" + i.ToString(CultureInfo.InvariantCulture)));
        }
    }

    /// <summary>Creates a vhost and gives guest full permissions on it (through the management API: faster than rabbitmqctl).</summary>
    public async Task CreateVhostAsync(string vhost)
    {
        (await _management.PutAsync($"api/vhosts/{Uri.EscapeDataString(vhost)}", JsonContent.Create(new { }))).EnsureSuccessStatusCode();
        await GrantAsync(vhost, "guest");
    }

    public async Task CreateUserAsync(string user, string password, string tags, params string[] vhosts)
    {
        (await _management.PutAsync($"api/users/{Uri.EscapeDataString(user)}", JsonContent.Create(new { password, tags }))).EnsureSuccessStatusCode();
        foreach (var vhost in vhosts)
        {
            await GrantAsync(vhost, user);
        }
    }

    /// <summary>The broker's connections to a vhost with the given client-provided name (the management API's view, refreshed every 500 ms).</summary>
    public async Task<IReadOnlyList<string>> ConnectionsNamedAsync(string clientName, string vhost)
    {
        using var response = await _management.GetAsync("api/connections");
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.EnumerateArray()
            .Where(c => c.TryGetProperty("client_properties", out var p) && p.TryGetProperty("connection_name", out var n) && n.GetString() == clientName)
            .Where(c => c.TryGetProperty("vhost", out var v) && v.GetString() == vhost)
            .Select(c => c.GetProperty("name").GetString()!)
            .ToList();
    }

    private async Task GrantAsync(string vhost, string user) =>
        (await _management.PutAsync(
            $"api/permissions/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(user)}",
            JsonContent.Create(new { configure = ".*", write = ".*", read = ".*" }))).EnsureSuccessStatusCode();

    private void SetEnvironment(ProcessStartInfo start)
    {
        var dir = _directory!.FullName;
        var env = start.Environment;
        env["RABBITMQ_NODENAME"] = NodeName;
        env["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        env["RABBITMQ_NODE_PORT"] = AmqpPort.ToString(CultureInfo.InvariantCulture);
        env["RABBITMQ_DIST_PORT"] = DistributionPort.ToString(CultureInfo.InvariantCulture);
        env["RABBITMQ_MNESIA_BASE"] = Path.Combine(dir, "mnesia");
        env["RABBITMQ_LOG_BASE"] = Path.Combine(dir, "log");
        env["RABBITMQ_FEATURE_FLAGS_FILE"] = Path.Combine(dir, "mnesia", "feature_flags");
        env["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(dir, "enabled_plugins");
        env["RABBITMQ_CONFIG_FILE"] = Path.Combine(dir, "rabbitmq.conf");
        // Erlang distribution (the node's and rabbitmqctl's) and epmd on loopback only.
        env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = LoopbackDistribution;
        env["RABBITMQ_CTL_ERL_ARGS"] = LoopbackDistribution;
        env["ERL_EPMD_ADDRESS"] = "127.0.0.1";
        env["ERL_CRASH_DUMP"] = Path.Combine(dir, "log", "erl_crash.dump");
    }

    private async Task<(int ExitCode, string Output)> RunAsync(string file, string arguments, TimeSpan limit)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_directory is not null)
        {
            SetEnvironment(start);
        }
        else
        {
            start.Environment["ERL_EPMD_ADDRESS"] = "127.0.0.1";
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            return (-1, exception.Message);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(limit);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (-1, $"{file} {arguments}: no exit after {limit}");
            }

            return (process.ExitCode, await stdout + await stderr);
        }
    }

    private async Task<bool> AmqpAnswersAsync()
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, AmqpPort);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task<bool> ManagementAnswersAsync()
    {
        try
        {
            using var response = await _management.GetAsync("api/overview");
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>
    /// Kills processes of this node only: those whose environment names it (beam.smp, erl_child_setup). The epmd
    /// the node may have started inherits that environment too, but can serve other nodes: see <see cref="StopEpmdIfUnusedAsync"/>.
    /// </summary>
    private void KillLeftovers()
    {
        var marker = Encoding.UTF8.GetBytes("RABBITMQ_NODENAME=" + NodeName + "\0");
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var environment = File.ReadAllBytes(Path.Combine(dir, "environ"));
                if (environment.AsSpan().IndexOf(marker) >= 0 && File.ReadAllText(Path.Combine(dir, "comm")).Trim() != Epmd)
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
            }
        }
    }

    /// <summary>Stops epmd when this fixture started it and no node is registered with it any more.</summary>
    private async Task StopEpmdIfUnusedAsync()
    {
        if (_epmdWasRunning)
        {
            return;
        }

        var names = await RunAsync(Epmd, "-names", TimeSpan.FromSeconds(10));
        if (names.ExitCode == 0 && !names.Output.Contains("\nname ", StringComparison.Ordinal))
        {
            await RunAsync(Epmd, "-kill", TimeSpan.FromSeconds(10));
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 64 * 1024)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
