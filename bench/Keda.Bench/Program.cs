using System.Diagnostics;
using System.Globalization;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Keda.Bench;
using Scaler.FrontDoors.Keda.Protocol;

// The KEDA door under load, as KEDA drives it: the Scaler in a child process (dotnet scaler.dll, its
// shipped defaults), 1,000 ScaledObjects each reading pending requests from a loopback fake Prometheus
// through the real Prometheus source, and the generated grpc-dotnet client over ONE HTTP/2 connection.
// Measures GetMetrics latency and throughput at 1/16/64 calls in flight next to grpc.health.v1 Check on the
// same server (the floor), push latency from the signal changing to `true` on StreamIsActive, the server's
// resident memory, and (in-process) the cost of the door's decision path. Goals (issue 5): GetMetrics
// p99 <= 2 ms, >= 80% of the floor's throughput, push <= 1 s.
// Usage: dotnet run -c Release --project bench/Keda.Bench -- [--objects 1000] [--seconds 10] [--warmup 3]
//        [--levels 1,16,64] [--rounds 20] [--refresh default|1] [--scaler path/to/scaler.dll] [--loops]
//        [--Section:Key=value ...]   (passed to the server, e.g. --Signals:prometheus:PushRefreshInterval=00:00:00.75)
// By default the server runs with its shipped settings (refresh 5 s, push refresh 500 ms).
//        dotnet run -c Release --project bench/Keda.Bench -- --page   (the page's memory per trigger and render times)
if (args is ["--page", ..])
{
    PageHistoryBench.Run(triggers: 1000);
    return 0;
}

var options = BenchOptions.Parse(args);
if (options.LoopsOnly)
{
    await PrintRefreshLoopsAsync(options.Objects, options.Refresh ?? new Scaler.Signals.SignalSourceOptions().RefreshInterval);
    return 0;
}

var scalerDll = options.ScalerDll ?? FindScalerDll();
var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
Console.WriteLine(Invariant($"machine: {Environment.ProcessorCount} cores, load average before the run {load}; {RuntimeInfo()}"));
var shipped = new Scaler.Signals.SignalSourceOptions();
var refresh = options.Refresh ?? shipped.RefreshInterval;
Console.WriteLine(Invariant($"ScaledObjects {options.Objects}, refresh interval of the Prometheus signal {refresh.TotalSeconds:0.###} s ({(options.Refresh is null ? "shipped default" : "set")}), push refresh {shipped.PushRefreshInterval.TotalMilliseconds:0} ms unless set, window {options.Window.TotalSeconds:0} s per level after {options.WarmUp.TotalSeconds:0} s warm-up"));

await using var prometheus = await FakePrometheus.StartAsync();
prometheus.DefaultValue = 12; // 12 pending requests, target 5 per replica: the engine wants 3 replicas.

string[] serverArguments =
[
    .. options.Refresh is { } set ? ["--Signals:prometheus:RefreshInterval=" + set.ToString("c", CultureInfo.InvariantCulture)] : Array.Empty<string>(),
    .. options.ServerArguments,
];
using var scaler = ScalerProcess.Start(scalerDll, serverArguments);
Console.WriteLine("server: " + scaler.Command);
await scaler.WaitReadyAsync(TimeSpan.FromSeconds(60));
var (rssIdle, _) = scaler.Memory();

// One connection, as KEDA's pooled client uses per scaler address.
using var channel = GrpcChannel.ForAddress(scaler.GrpcAddress, new GrpcChannelOptions
{
    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false },
});
var client = new ExternalScaler.ExternalScalerClient(channel);
var health = new Health.HealthClient(channel);

// KEDA's order: GetMetricSpec first (the metric name GetMetrics must send), then GetMetrics until every
// ScaledObject has a cached reading and a decision.
var requests = new GetMetricsRequest[options.Objects];
for (var i = 0; i < options.Objects; i++)
{
    var reference = ScaledObject(prometheus.Address, Invariant($"so-{i:D4}"));
    var spec = await client.GetMetricSpecAsync(reference);
    requests[i] = new GetMetricsRequest { ScaledObjectRef = reference, MetricName = spec.MetricSpecs[0].MetricName };
}

var primed = Stopwatch.StartNew();
var values = await PrimeAsync(client, requests, expected: 3, TimeSpan.FromSeconds(60));
Console.WriteLine(Invariant($"primed {options.Objects} ScaledObjects in {primed.Elapsed.TotalSeconds:0.0} s; GetMetrics values: {string.Join(", ", values.OrderBy(v => v.Key).Select(v => Invariant($"{v.Value}x{v.Key}")))}"));

// The background every row below carries: one refresh loop per key (an HTTP read of Prometheus, JSON,
// the resilience pipeline) and a decision per refresh for ScaledObjects being asked.
var idleCpu = scaler.CpuTime;
var idleClientCpu = Process.GetCurrentProcess().TotalProcessorTime;
var idleClock = Stopwatch.StartNew();
await Task.Delay(refresh * 2 > TimeSpan.FromSeconds(5) ? refresh * 2 : TimeSpan.FromSeconds(5)); // at least two refresh rounds
var backgroundServer = (scaler.CpuTime - idleCpu) / idleClock.Elapsed.TotalSeconds;
var backgroundBench = (Process.GetCurrentProcess().TotalProcessorTime - idleClientCpu) / idleClock.Elapsed.TotalSeconds;
Console.WriteLine(Invariant($"idle background: server {backgroundServer.TotalMilliseconds:0} ms CPU/s, bench process (fake Prometheus) {backgroundBench.TotalMilliseconds:0} ms CPU/s"));

var floorRequest = new HealthCheckRequest();
var rows = new List<(string Method, LoadResult Result)>();
foreach (var inFlight in options.Levels)
{
    var floor = await ClosedLoop.RunAsync(inFlight, options.WarmUp, options.Window, _ => health.CheckAsync(floorRequest).ResponseAsync, () => scaler.CpuTime);
    rows.Add(("Health/Check (floor)", floor));
    var metrics = await ClosedLoop.RunAsync(inFlight, options.WarmUp, options.Window, n => client.GetMetricsAsync(requests[n % requests.Length]).ResponseAsync, () => scaler.CpuTime);
    rows.Add(("GetMetrics", metrics));
    // Same payload as GetMetrics (KEDA's metadata map), answered from the spec cache with no decision: what
    // receiving KEDA's request costs on its own, next to the empty request of the floor.
    var spec = await ClosedLoop.RunAsync(inFlight, options.WarmUp, options.Window, n => client.GetMetricSpecAsync(requests[n % requests.Length].ScaledObjectRef).ResponseAsync, () => scaler.CpuTime);
    rows.Add(("GetMetricSpec (same payload)", spec));
    Console.WriteLine(Invariant($"  {inFlight,3} in flight: floor {floor.Throughput:N0}/s p99 {Ms(floor.Percentile(0.99))} ms; GetMetrics {metrics.Throughput:N0}/s p99 {Ms(metrics.Percentile(0.99))} ms ({metrics.Errors} errors{(metrics.FirstError is null ? "" : ", first: " + metrics.FirstError)})"));
}

var (rssAfterLoad, peakAfterLoad) = scaler.Memory();

// Push: a ScaledObject of its own per round, its stream open and inactive (0 pending); the fake Prometheus
// starts answering 4 pending at a random moment relative to the refresh ticks (the open stream makes its
// signal refresh at the push interval, so a random moment within a second covers every phase); latency is
// from then to `true`.
var pushLatencies = new List<TimeSpan>();
var early = 0;
for (var round = 0; round < options.Rounds; round++)
{
    var query = Invariant($"sum(vllm:num_requests_waiting{{namespace=\"bench\",model=\"push-{round:D2}\"}})");
    prometheus.Set(query, 0);
    var reference = ScaledObject(prometheus.Address, Invariant($"push-{round:D2}"), query);
    var spec = await client.GetMetricSpecAsync(reference);
    await PrimeAsync(client, [new GetMetricsRequest { ScaledObjectRef = reference, MetricName = spec.MetricSpecs[0].MetricName }], expected: 0, TimeSpan.FromSeconds(10));
    using var stream = client.StreamIsActive(reference);
    var first = stream.ResponseStream.MoveNext(CancellationToken.None);
    await Task.Delay(TimeSpan.FromMilliseconds(200 + Random.Shared.Next(0, 1000)));
    if (first.IsCompleted)
    {
        early++;
        continue;
    }

    var changedAt = Stopwatch.GetTimestamp();
    prometheus.Set(query, 4);
    if (await first.WaitAsync(TimeSpan.FromSeconds(30)) && stream.ResponseStream.Current.Result)
    {
        pushLatencies.Add(Stopwatch.GetElapsedTime(changedAt));
    }
}

// The background again at the end, JIT and tiering long done: the steady-state cost of the refresh loops.
var settledCpu = scaler.CpuTime;
var settledReads = prometheus.Reads;
var settledClock = Stopwatch.StartNew();
await Task.Delay(refresh * 2 > TimeSpan.FromSeconds(5) ? refresh * 2 : TimeSpan.FromSeconds(5));
var backgroundSettled = (scaler.CpuTime - settledCpu) / settledClock.Elapsed.TotalSeconds;
var settledReadRate = (prometheus.Reads - settledReads) / settledClock.Elapsed.TotalSeconds;

var (rssEnd, peakEnd) = scaler.Memory();
var prometheusReads = prometheus.Reads;
var prometheusConnections = prometheus.Connections; // before the in-process measurement below adds its own client's
var exitedEarly = scaler.HasExited;
var serverTail = scaler.Tail;

// Stopped before the in-process measurement, so that its 1,000 refresh loops do not share the cores with it.
scaler.Dispose();

// The decision path without gRPC or HTTP/2, in this process: what one GetMetrics costs inside the door.
var path = await DecisionPath.MeasureAsync(prometheus.Address, options.Objects, refresh, requests[0]);

Console.WriteLine();
Console.WriteLine(Invariant($"### GetMetrics vs the floor ({options.Objects} ScaledObjects round-robin, one HTTP/2 connection, closed loop, {options.Window.TotalSeconds:0} s per row)"));
Console.WriteLine();
Console.WriteLine("| Method | In flight | Calls/s | % of floor | p50 ms | p99 ms | p99.9 ms | max ms | Errors | Server CPU µs/call | Client CPU µs/call |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var (method, result) in rows)
{
    var floor = rows.First(r => r.Result.InFlight == result.InFlight).Result;
    var share = ReferenceEquals(result, floor) ? "100%" : Invariant($"{100 * result.Throughput / floor.Throughput:0}%");
    Console.WriteLine(Invariant($"| {method} | {result.InFlight} | {result.Throughput:N0} | {share} | {Ms(result.Percentile(0.5))} | {Ms(result.Percentile(0.99))} | {Ms(result.Percentile(0.999))} | {Ms(result.Percentile(1))} | {result.Errors} | {result.ServerCpuPerCall:0} | {result.ClientCpuPerCall:0} |"));
}

pushLatencies.Sort();
Console.WriteLine();
Console.WriteLine(Invariant($"### Push: signal change to `true` on StreamIsActive (refresh interval {refresh.TotalSeconds:0.###} s; the stream's signal at the push interval)"));
Console.WriteLine();
Console.WriteLine("| Rounds | p50 ms | p90 ms | max ms | min ms | true before the change |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
Console.WriteLine(pushLatencies.Count == 0
    ? Invariant($"| 0 of {options.Rounds} | - | - | - | - | {early} |")
    : Invariant($"| {pushLatencies.Count} of {options.Rounds} | {Nearest(pushLatencies, 0.5).TotalMilliseconds:0} | {Nearest(pushLatencies, 0.9).TotalMilliseconds:0} | {pushLatencies[^1].TotalMilliseconds:0} | {pushLatencies[0].TotalMilliseconds:0} | {early} |"));

Console.WriteLine();
Console.WriteLine("### Server memory (child process, /proc/<pid>/status)");
Console.WriteLine();
Console.WriteLine("| When | RSS MiB | Peak RSS MiB |");
Console.WriteLine("|---|---:|---:|");
Console.WriteLine(Invariant($"| started, idle | {rssIdle:0} | |"));
Console.WriteLine(Invariant($"| after the load levels | {rssAfterLoad:0} | {peakAfterLoad:0} |"));
Console.WriteLine(Invariant($"| end of run | {rssEnd:0} | {peakEnd:0} |"));
Console.WriteLine();
Console.WriteLine(Invariant($"fake Prometheus answered {prometheusReads:N0} queries (the signal loops of {options.Objects + options.Rounds} keys) over {prometheusConnections:N0} HTTP connections."));
var readsPerSecond = options.Objects / refresh.TotalSeconds;
Console.WriteLine(Invariant($"idle background at the end (steady state, {settledReadRate:N0} reads/s measured at the fake): server {backgroundSettled.TotalMilliseconds:0} ms CPU per second (~{backgroundSettled.TotalMicroseconds / settledReadRate:0} µs per read)."));
Console.WriteLine(Invariant($"idle background (no RPCs, {options.Objects} keys refreshing, ~{readsPerSecond:N0} reads/s): server {backgroundServer.TotalMilliseconds:0} ms CPU per second (~{backgroundServer.TotalMicroseconds / readsPerSecond:0} µs per read), bench process with the fake Prometheus {backgroundBench.TotalMilliseconds:0} ms CPU per second."));

await PrintRefreshLoopsAsync(options.Objects, refresh);

Console.WriteLine();
Console.WriteLine(Invariant($"### Decision path in-process ({options.Objects} ScaledObjects round-robin, one caller, no gRPC)"));
Console.WriteLine();
Console.WriteLine("| Step | ns/call | bytes allocated/call |");
Console.WriteLine("|---|---:|---:|");
foreach (var step in path)
{
    Console.WriteLine(Invariant($"| {step.Name} | {step.Nanoseconds:N0} | {step.Bytes:N0} |"));
}

if (exitedEarly)
{
    Console.Error.WriteLine("the scaler exited during the run:" + Environment.NewLine + serverTail);
    return 1;
}

return 0;

// The refresh loops alone, in lockstep (no jitter) and staggered (the shipped jitter): what spreading the wake-ups costs.
static async Task PrintRefreshLoopsAsync(int objects, TimeSpan refresh)
{
    var shippedJitter = new Scaler.Signals.ReadingCacheOptions().RefreshJitter;

    // A first pass, not printed: whichever variant ran first paid for the JIT.
    await DecisionPath.RefreshLoopsCpuAsync(objects, refresh, shippedJitter);
    foreach (var jitter in new[] { 0, shippedJitter })
    {
        var cpu = await DecisionPath.RefreshLoopsCpuAsync(objects, refresh, jitter);
        Console.WriteLine(Invariant($"in-process, {objects} keys refreshing every {refresh.TotalSeconds:0.###} s (jitter {jitter:0.##}) from a source that answers at once (no HTTP): {cpu:0} ms CPU per second, {cpu * 1000 / (objects / refresh.TotalSeconds):0} µs per read (cache, resilience pipeline, metrics, timers)."));
    }
}

static ScaledObjectRef ScaledObject(Uri prometheus, string name, string? query = null)
{
    // The metadata a ScaledObject's trigger carries; KEDA sends all of it with every call.
    var reference = new ScaledObjectRef { Name = name, Namespace = "bench" };
    reference.ScalerMetadata.Add("scalerAddress", "scaler.scaler-system:9090");
    reference.ScalerMetadata.Add("prometheusAddress", prometheus.GetLeftPart(UriPartial.Authority));
    reference.ScalerMetadata.Add("pendingRequestsQuery", query ?? $"sum(vllm:num_requests_waiting{{namespace=\"bench\",model=\"{name}\"}})");
    reference.ScalerMetadata.Add("pendingRequestsTarget", "5");
    reference.ScalerMetadata.Add("maxReplicas", "8");
    reference.ScalerMetadata.Add("scaleUpLimit", "10/60s");
    return reference;
}

// GetMetrics for every request until each answers the expected value (the first read of a key can take a moment).
static async Task<Dictionary<long, int>> PrimeAsync(ExternalScaler.ExternalScalerClient client, GetMetricsRequest[] requests, long expected, TimeSpan timeout)
{
    var clock = Stopwatch.StartNew();
    var values = new Dictionary<long, int>();
    var pending = requests.ToList();
    while (pending.Count > 0)
    {
        values.Clear();
        var answers = await Task.WhenAll(pending.Select(async r =>
        {
            try
            {
                return (Request: r, Value: (await client.GetMetricsAsync(r)).MetricValues[0].MetricValue_);
            }
            catch (Grpc.Core.RpcException) when (clock.Elapsed < timeout)
            {
                return (Request: r, Value: -1L);
            }
        }));
        foreach (var (_, value) in answers)
        {
            values[value] = values.GetValueOrDefault(value) + 1;
        }

        pending = [.. answers.Where(a => a.Value != expected).Select(a => a.Request)];
        if (pending.Count > 0)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException(Invariant($"{pending.Count} ScaledObjects never answered {expected}: {string.Join(", ", values.Select(v => $"{v.Value}x{v.Key}"))}"));
            }

            await Task.Delay(200);
        }
    }

    return new Dictionary<long, int> { [expected] = requests.Length };
}

static string FindScalerDll()
{
    // The Scaler's own build output next to this bench's configuration (dotnet run builds it first).
    var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "src", "Scaler", "bin", configuration, "net10.0", "scaler.dll");
        if (File.Exists(candidate))
        {
            return candidate;
        }
    }

    throw new FileNotFoundException("scaler.dll not found; build src/Scaler or pass --scaler");
}

static string RuntimeInfo() => $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";

static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture);

static TimeSpan Nearest(List<TimeSpan> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

static string Invariant(FormattableString text) => FormattableString.Invariant(text);

/// <param name="Refresh">The Prometheus signal's refresh interval; null: the server's shipped default.</param>
/// <param name="LoopsOnly">Only the in-process refresh-loop measurement (<c>--loops</c>).</param>
internal sealed record BenchOptions(int Objects, TimeSpan Window, TimeSpan WarmUp, int[] Levels, int Rounds, TimeSpan? Refresh, string? ScalerDll, string[] ServerArguments, bool LoopsOnly = false)
{
    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions(1000, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(3), [1, 16, 64], 20, null, null, []);
        var server = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            double Seconds() => double.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--objects" => options with { Objects = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--seconds" => options with { Window = TimeSpan.FromSeconds(Seconds()) },
                "--warmup" => options with { WarmUp = TimeSpan.FromSeconds(Seconds()) },
                "--levels" => options with { Levels = [.. Next().Split(',').Select(l => int.Parse(l, CultureInfo.InvariantCulture))] },
                "--rounds" => options with { Rounds = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--refresh" => options with { Refresh = Next() is "default" ? null : TimeSpan.FromSeconds(double.Parse(args[i], CultureInfo.InvariantCulture)) },
                "--scaler" => options with { ScalerDll = Next() },
                "--loops" => options with { LoopsOnly = true },
                _ when args[i].StartsWith("--", StringComparison.Ordinal) && args[i].Contains(':', StringComparison.Ordinal) => AddServer(options, server, args[i]),
                _ => throw new ArgumentException($"unknown argument {args[i]}"),
            };
        }

        return options with { ServerArguments = [.. server] };
    }

    // Configuration keys (--Section:Key=value) pass through to the server.
    private static BenchOptions AddServer(BenchOptions options, List<string> server, string argument)
    {
        server.Add(argument);
        return options;
    }
}
