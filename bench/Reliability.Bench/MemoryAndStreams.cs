using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Grpc.Core;
using Grpc.Net.Client;
using Keda.Bench;
using Scaler.FrontDoors.Keda.Protocol;

namespace Reliability.Bench;

/// <summary>
/// Resident memory of one Scaler (a child process, its shipped settings but a 30 s forget) idle, with many
/// ScaledObjects and push streams on one connection, and after every trigger was forgotten, round after round.
/// </summary>
internal static partial class MemoryAndStreams
{
    public static async Task RunAsync(string scalerDll, int objects, int streams, int rounds)
    {
        await using var prometheus = await FakePrometheus.StartAsync();
        prometheus.DefaultValue = 12;
        using var scaler = ScalerProcess.Start(scalerDll,
        [
            "--Scaler:Triggers:ForgetAfter=30s",
            "--Signals:prometheus:IdleTimeout=30s",
            "--Scaler:Triggers:MaxLivePerNamespace=5000",
        ]);
        await scaler.WaitReadyAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = scaler.HttpAddress };
        await Task.Delay(TimeSpan.FromSeconds(5));
        var idle = scaler.Memory().Rss;
        Console.WriteLine(Invariant($"memory: idle {idle:0.0} MiB resident (forget after 30 s, keys idle after 30 s)"));

        using var channel = GrpcChannel.ForAddress(scaler.GrpcAddress, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false } });
        var client = new ExternalScaler.ExternalScalerClient(channel);
        for (var round = 1; round <= rounds; round++)
        {
            var references = Enumerable.Range(0, objects).Select(i => Metadata.ScaledObject(prometheus.Address, Invariant($"r{round}-so-{i:D4}"))).ToArray();
            var primed = Stopwatch.StartNew();
            await PrimeAsync(client, references);
            var primedIn = primed.Elapsed;

            // Push streams on the one connection, two per ScaledObject when there are more streams than objects.
            using var open = new CancellationTokenSource();
            var failed = 0;
            var calls = new List<AsyncServerStreamingCall<IsActiveResponse>>();
            var readers = new List<Task>();
            for (var s = 0; s < streams; s++)
            {
                var call = client.StreamIsActive(references[s % objects], cancellationToken: open.Token);
                calls.Add(call);
                readers.Add(Task.Run(async () =>
                {
                    try
                    {
                        while (await call.ResponseStream.MoveNext(open.Token))
                        {
                        }
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && open.IsCancellationRequested)
                    {
                    }
                    catch (OperationCanceledException) when (open.IsCancellationRequested)
                    {
                    }
                    catch (RpcException)
                    {
                        Interlocked.Increment(ref failed);
                    }
                }));
            }

            await Task.Delay(TimeSpan.FromSeconds(20));
            var unary = await UnaryStillServedAsync(client, references);
            var (loaded, peak) = scaler.Memory();
            var managedLoaded = await ManagedAsync(http);
            var held = streams - Volatile.Read(ref failed);
            await open.CancelAsync();
            await Task.WhenAll(readers);
            foreach (var call in calls)
            {
                call.Dispose();
            }

            // Nobody asks any more: every trigger is forgotten after 30 s and every key evicted after 30 s idle.
            var forgetting = Stopwatch.StartNew();
            while (forgetting.Elapsed < TimeSpan.FromMinutes(3))
            {
                var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
                if (Gauge(metrics, "scaler_triggers_live") == 0 && !metrics.Contains("scaler_signal_reading_age_seconds{", StringComparison.Ordinal))
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            var forgottenIn = forgetting.Elapsed;
            await Task.Delay(TimeSpan.FromSeconds(15));
            var after = scaler.Memory().Rss;
            var managedAfter = await ManagedAsync(http);
            Console.WriteLine(Invariant(
                $"memory round {round}: {objects} ScaledObjects primed in {primedIn.TotalSeconds:0.0} s; {held} of {streams} streams held for 20 s on one connection, unary calls {(unary ? "served" : "FAILED")}; resident {loaded:0.0} MiB (managed heap {managedLoaded:0.0}; peak so far {peak:0.0}; goal <= 200: {(loaded <= 200 ? "met" : "not met")}); all forgotten after {forgottenIn.TotalSeconds:0} s; 15 s later {after:0.0} MiB (managed heap {managedAfter:0.0}) = {100 * (after - idle) / idle:+0;-0}% from idle (goal within 25%: {(after <= idle * 1.25 ? "met" : "not met")})"));
        }
    }

    /// <summary>The Scaler's managed heap as its /metrics says (prometheus-net's dotnet_total_memory_bytes), MiB.</summary>
    private static async Task<double> ManagedAsync(HttpClient http) =>
        Gauge(await http.GetStringAsync(new Uri("/metrics", UriKind.Relative)), "dotnet_total_memory_bytes") / (1024 * 1024);

    private static async Task PrimeAsync(ExternalScaler.ExternalScalerClient client, ScaledObjectRef[] references)
    {
        var requests = new List<GetMetricsRequest>();
        foreach (var reference in references)
        {
            var spec = await client.GetMetricSpecAsync(reference);
            requests.Add(new GetMetricsRequest { ScaledObjectRef = reference, MetricName = spec.MetricSpecs[0].MetricName });
        }

        var pending = requests;
        var deadline = Stopwatch.StartNew();
        while (pending.Count > 0 && deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            var next = new List<GetMetricsRequest>();
            foreach (var chunk in pending.Chunk(64))
            {
                var answers = await Task.WhenAll(chunk.Select(async r =>
                {
                    try
                    {
                        return (await client.GetMetricsAsync(r)).MetricValues[0].MetricValue_ == 3 ? null : r;
                    }
                    catch (RpcException)
                    {
                        return r;
                    }
                }));
                next.AddRange(answers.OfType<GetMetricsRequest>());
            }

            pending = next;
            if (pending.Count > 0)
            {
                await Task.Delay(200);
            }
        }
    }

    private static async Task<bool> UnaryStillServedAsync(ExternalScaler.ExternalScalerClient client, ScaledObjectRef[] references)
    {
        foreach (var reference in references.Take(10))
        {
            var response = await client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = reference });
            if (response.MetricValues[0].MetricValue_ != 3)
            {
                return false;
            }
        }

        return true;
    }

    private static double Gauge(string metrics, string name) =>
        GaugeLine().Matches(metrics).FirstOrDefault(m => m.Groups[1].Value == name) is { } match ? double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : double.NaN;

    [GeneratedRegex(@"^(\w+) ([0-9.eE+-]+)$", RegexOptions.Multiline)]
    private static partial Regex GaugeLine();

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
