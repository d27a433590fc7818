using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Scaler.FrontDoors.Keda.Protocol;
using Scaler.Testing;
using Xunit.Abstractions;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>
/// The KEDA door called by an independent implementation of the proto: Node's @grpc/grpc-js loading
/// protos/externalscaler.proto at run time (node-client/keda-poll.mjs), over h2c, making each poll the way
/// KEDA does (GetMetricSpec, GetMetrics with the returned name, IsActive) or holding a push stream. What the
/// Node process prints is what is asserted: the bytes crossed a wire no .NET code wrote on the client side.
/// </summary>
public sealed class NodeClientTests(NodeClientFixture node, ITestOutputHelper output) : IClassFixture<NodeClientFixture>
{
    private KedaScalerHost Host => node.Host;

    [Fact]
    public async Task GetMetricSpec_FromNode_OneLowerCaseMetricWithTargetOneInBothFields()
    {
        var scaledObject = KedaScalerHost.ScaledObject("node-spec");
        var expected = (await Host.Client.GetMetricSpecAsync(scaledObject)).MetricSpecs.Single().MetricName;

        var poll = await PollAsync(scaledObject);

        var call = poll.GetProperty("getMetricSpec");
        Assert.True(call.GetProperty("ok").GetBoolean(), call.ToString());
        var spec = Assert.Single(call.GetProperty("response").GetProperty("metricSpecs").EnumerateArray());
        // The same name the generated client reads, lower case and path-safe (it goes into an HPA URL).
        Assert.Equal(expected, spec.GetProperty("metricName").GetString());
        Assert.Matches("^[a-z0-9-]{1,58}$", spec.GetProperty("metricName").GetString());
        // int64 arrives as a decimal string (proto3 JSON mapping), double as a number.
        Assert.Equal("1", spec.GetProperty("targetSize").GetString());
        Assert.Equal(1.0, spec.GetProperty("targetSizeFloat").GetDouble());
    }

    [Theory]
    // 12 pending at 5 per replica: 3 replicas (within the 10/60s scale-up limit), active.
    [InlineData("node-twelve", 12, 3, true)]
    // 3 pending: one replica is enough, still active.
    [InlineData("node-three", 3, 1, true)]
    // Nothing pending and never active: zero replicas, inactive (0 here is a decision, not an error).
    [InlineData("node-idle", 0, 0, false)]
    public async Task Poll_PendingRequests_ValueIsDesiredReplicasInBothFieldsAndActivityFollows(string name, double pending, int replicas, bool active)
    {
        Host.Prometheus.Set(pending);
        var scaledObject = KedaScalerHost.ScaledObject(name);
        await SettledAsync(scaledObject, replicas);

        var poll = await PollAsync(scaledObject);

        var spec = poll.GetProperty("getMetricSpec").GetProperty("response").GetProperty("metricSpecs")[0];
        var metrics = poll.GetProperty("getMetrics");
        Assert.True(metrics.GetProperty("ok").GetBoolean(), metrics.ToString());
        var value = Assert.Single(metrics.GetProperty("response").GetProperty("metricValues").EnumerateArray());
        Assert.Equal(spec.GetProperty("metricName").GetString(), value.GetProperty("metricName").GetString());
        Assert.Equal(replicas.ToString(CultureInfo.InvariantCulture), value.GetProperty("metricValue").GetString());
        Assert.Equal(replicas, value.GetProperty("metricValueFloat").GetDouble());
        var isActive = poll.GetProperty("isActive");
        Assert.True(isActive.GetProperty("ok").GetBoolean(), isActive.ToString());
        Assert.Equal(active, isActive.GetProperty("response").GetProperty("result").GetBoolean());
    }

    [Fact]
    public async Task Poll_SignalUnavailable_UnavailableWithTheReasonNeverZero()
    {
        Host.Prometheus.SetUnavailable("query returned an empty vector");
        var scaledObject = KedaScalerHost.ScaledObject("node-unknown");

        var keda = await PollAsync(scaledObject);
        var every = await PollAsync(scaledObject, "--continue-on-error");

        // GetMetricSpec still answers from the metadata: a failing spec would disable KEDA's fallback (KEDA #8056).
        Assert.True(keda.GetProperty("getMetricSpec").GetProperty("ok").GetBoolean(), keda.ToString());
        AssertStatus(keda.GetProperty("getMetrics"), 14, "UNAVAILABLE", "pending-requests");
        // As in KEDA, the failed GetMetrics ends the poll; asked anyway, IsActive is UNAVAILABLE too.
        Assert.True(keda.GetProperty("isActive").TryGetProperty("skipped", out _), keda.ToString());
        AssertStatus(every.GetProperty("isActive"), 14, "UNAVAILABLE", "pending-requests");
    }

    [Theory]
    // A negative target.
    [InlineData("pendingRequestsTarget", "-3")]
    // A limit written in words.
    [InlineData("scaleUpLimit", "2 per minute")]
    // A bare number is not a duration (seconds for KEDA, nanoseconds for Go).
    [InlineData("staleAfter", "60")]
    public async Task EveryRpc_FromNodeWithInvalidMetadata_InvalidArgumentNamingTheKey(string key, string value)
    {
        var bad = KedaScalerHost.ScaledObject("node-bad", new Dictionary<string, string> { [key] = value });

        var poll = await PollAsync(bad, "--continue-on-error", "--metric-name", "node-bad");
        var stream = await RunAsync(bad, "--stream", "--seconds", "10");

        AssertStatus(poll.GetProperty("getMetricSpec"), 3, "INVALID_ARGUMENT", key);
        AssertStatus(poll.GetProperty("getMetrics"), 3, "INVALID_ARGUMENT", key);
        AssertStatus(poll.GetProperty("isActive"), 3, "INVALID_ARGUMENT", key);
        var end = Lines(stream).Last();
        Assert.Equal("status", end.GetProperty("reason").GetString());
        AssertStatus(end.GetProperty("status"), 3, "INVALID_ARGUMENT", key);
    }

    [Fact]
    public async Task GetMetrics_NameWithKedasIndexPrefix_InvalidArgumentNamingMetricName()
    {
        // KEDA before 2.7 leaked its s0- prefix into the request (KEDA #2640); the name must be the bare one.
        Host.Prometheus.Set(1);
        var scaledObject = KedaScalerHost.ScaledObject("node-prefixed");
        var name = (await Host.Client.GetMetricSpecAsync(scaledObject)).MetricSpecs.Single().MetricName;

        var poll = await PollAsync(scaledObject, "--metric-name", "s0-" + name);

        AssertStatus(poll.GetProperty("getMetrics"), 3, "INVALID_ARGUMENT", "metricName");
    }

    [Fact]
    public async Task StreamIsActive_FromNodePendingRises_TrueArrivesAfterTheRise()
    {
        Host.Prometheus.Set(0);
        var scaledObject = KedaScalerHost.ScaledObject("node-pushed");
        using var process = StartNode(scaledObject, "--stream", "--seconds", "20", "--max-messages", "1");
        try
        {
            var bounded = TimeSpan.FromSeconds(15);
            var started = await process.StandardOutput.ReadLineAsync().WaitAsync(bounded);
            Assert.Equal("started", Parse(started).GetProperty("event").GetString());
            var next = process.StandardOutput.ReadLineAsync();
            await Host.StreamSettledInactiveAsync(scaledObject);
            Assert.False(next.IsCompleted, "the stream sent a message before anything was pending");

            var rose = DateTimeOffset.UtcNow;
            var watch = Stopwatch.StartNew();
            Host.Prometheus.Set(4);
            var message = Parse(await next.WaitAsync(bounded));
            var latency = watch.Elapsed;
            var end = Parse(await process.StandardOutput.ReadLineAsync().WaitAsync(bounded));
            await process.WaitForExitAsync().WaitAsync(bounded);
            output.WriteLine($"pending rise -> true on the Node stream: {latency.TotalMilliseconds:F0} ms");

            Assert.Equal("message", message.GetProperty("event").GetString());
            Assert.True(message.GetProperty("result").GetBoolean());
            // Node's own receive timestamp (ms resolution) is not before the rise.
            Assert.True(message.GetProperty("at").GetDateTimeOffset() >= rose.AddMilliseconds(-1), message.ToString());
            Assert.True(latency < bounded);
            Assert.Equal("max-messages", end.GetProperty("reason").GetString());
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    private static void AssertStatus(JsonElement call, int code, string codeName, string detailNames)
    {
        Assert.True(call.TryGetProperty("code", out var actual), call.ToString());
        Assert.Equal(code, actual.GetInt32());
        Assert.Equal(codeName, call.GetProperty("codeName").GetString());
        Assert.Contains(detailNames, call.GetProperty("details").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Waits (through the generated client) until the engine's answer for the workload is settled.</summary>
    private async Task SettledAsync(ScaledObjectRef scaledObject, int replicas)
    {
        var name = (await Host.Client.GetMetricSpecAsync(scaledObject)).MetricSpecs.Single().MetricName;
        await Eventually.ReturnsAsync(
            async () => (await Host.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = scaledObject, MetricName = name })).MetricValues.Single().MetricValueFloat,
            value => value == replicas,
            interval: TimeSpan.FromMilliseconds(50));
    }

    /// <summary>One KEDA poll made by the Node client: its one JSON line.</summary>
    private async Task<JsonElement> PollAsync(ScaledObjectRef scaledObject, params string[] arguments)
    {
        var stdout = await RunAsync(scaledObject, arguments);
        return Assert.Single(Lines(stdout));
    }

    private async Task<string> RunAsync(ScaledObjectRef scaledObject, params string[] arguments)
    {
        var (exitCode, stdout, stderr) = await NodeClientFixture.PollAsync(node.ClientDirectory, Host.GrpcAddress, scaledObject, arguments);
        output.WriteLine($"node keda-poll.mjs {string.Join(' ', arguments)} -> {exitCode}\n{stdout}{stderr}");
        Assert.True(exitCode == 0, $"keda-poll.mjs exited {exitCode}: {stderr}");
        return stdout;
    }

    private Process StartNode(ScaledObjectRef scaledObject, params string[] arguments) =>
        NodeClientFixture.Start(NodeClientFixture.PollCommand(node.ClientDirectory, Host.GrpcAddress, scaledObject, arguments));

    private static List<JsonElement> Lines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).ToList();

    private static JsonElement Parse(string? line) =>
        JsonDocument.Parse(line ?? throw new InvalidOperationException("keda-poll.mjs ended without a line")).RootElement.Clone();
}

/// <summary>
/// One Scaler host for the class, and the Node client's packages: <c>npm ci</c> from the committed lockfile
/// when node_modules is missing or does not match it, once per test run, so that <c>dotnet test</c> alone works.
/// </summary>
public sealed class NodeClientFixture : IAsyncLifetime
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static readonly string[] Pinned = ["@grpc/grpc-js", "@grpc/proto-loader"];

    internal KedaScalerHost Host { get; private set; } = null!;

    internal string ClientDirectory { get; } = LocateClientDirectory();

    public async Task InitializeAsync()
    {
        await EnsureInstalledAsync(ClientDirectory);
        Host = await KedaScalerHost.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }

    internal static ProcessStartInfo Command(string fileName, string workingDirectory)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // Loopback only: no proxy may take the gRPC connection elsewhere (grpc-js honours these variables).
        foreach (var proxy in new[] { "grpc_proxy", "https_proxy", "http_proxy", "GRPC_PROXY", "HTTPS_PROXY", "HTTP_PROXY" })
        {
            start.Environment.Remove(proxy);
        }

        return start;
    }

    /// <summary>Runs <c>keda-poll.mjs</c> against <paramref name="grpcAddress"/> for <paramref name="scaledObject"/> (20 s at most).</summary>
    internal static async Task<(int ExitCode, string Stdout, string Stderr)> PollAsync(string clientDirectory, Uri grpcAddress, ScaledObjectRef scaledObject, params string[] arguments)
    {
        using var process = Start(PollCommand(clientDirectory, grpcAddress, scaledObject, arguments));
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary><c>node keda-poll.mjs --address … --scaled-object …</c> and <paramref name="arguments"/>.</summary>
    internal static ProcessStartInfo PollCommand(string clientDirectory, Uri grpcAddress, ScaledObjectRef scaledObject, params string[] arguments)
    {
        var start = Command("node", clientDirectory);
        start.ArgumentList.Add("keda-poll.mjs");
        start.ArgumentList.Add("--address");
        start.ArgumentList.Add($"{grpcAddress.Host}:{grpcAddress.Port}");
        start.ArgumentList.Add("--scaled-object");
        start.ArgumentList.Add(JsonSerializer.Serialize(new
        {
            name = scaledObject.Name,
            @namespace = scaledObject.Namespace,
            scalerMetadata = scaledObject.ScalerMetadata.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal),
        }));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    internal static Process Start(ProcessStartInfo start)
    {
        try
        {
            var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
            process.StandardInput.Close();
            return process;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"'{start.FileName}' is not on PATH: the Node client tests need Node.js 18 or later with npm (apt-get install nodejs npm). {e.Message}", e);
        }
    }

    private static string LocateClientDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Scaler.sln")))
            {
                return Path.Combine(directory.FullName, "tests", "Scaler.Tests", "FrontDoors", "Keda", "node-client");
            }
        }

        throw new InvalidOperationException($"Scaler.sln not found above {AppContext.BaseDirectory}: the Node client is found from the source tree.");
    }

    private static async Task EnsureInstalledAsync(string directory)
    {
        await InstallLock.WaitAsync();
        try
        {
            if (IsInstalled(directory))
            {
                return;
            }

            var start = Command("npm", directory);
            foreach (var argument in new[] { "ci", "--no-audit", "--no-fund" })
            {
                start.ArgumentList.Add(argument);
            }

            using var npm = Start(start);
            var stdout = npm.StandardOutput.ReadToEndAsync();
            var stderr = npm.StandardError.ReadToEndAsync();
            try
            {
                await npm.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            }
            finally
            {
                if (!npm.HasExited)
                {
                    npm.Kill();
                }
            }

            if (npm.ExitCode != 0 || !IsInstalled(directory))
            {
                throw new InvalidOperationException($"npm ci in {directory} failed ({npm.ExitCode}):\n{await stdout}{await stderr}");
            }
        }
        finally
        {
            InstallLock.Release();
        }
    }

    /// <summary>Installed means every pinned package is there at the lockfile's version (an interrupted install is not).</summary>
    private static bool IsInstalled(string directory)
    {
        using var lockFile = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "package-lock.json")));
        var packages = lockFile.RootElement.GetProperty("packages");
        return File.Exists(Path.Combine(directory, "node_modules", ".package-lock.json")) && Pinned.All(name =>
        {
            var installed = Path.Combine(directory, "node_modules", name, "package.json");
            if (!File.Exists(installed))
            {
                return false;
            }

            using var package = JsonDocument.Parse(File.ReadAllText(installed));
            return package.RootElement.GetProperty("version").GetString() == packages.GetProperty("node_modules/" + name).GetProperty("version").GetString();
        });
    }
}
