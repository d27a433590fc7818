using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scaler.Decisions;
using Scaler.FrontDoors.Keda.Protocol;
using Scaler.FrontDoors.Keda;
using Scaler.Hosting;
using Scaler.Signals;
using Scaler.Triggers;

namespace Keda.Bench;

/// <summary>One step of the door's GetMetrics path, timed in this process.</summary>
internal sealed record PathStep(string Name, double Nanoseconds, double Bytes);

/// <summary>
/// The door's GetMetrics path without gRPC: <see cref="KedaTriggerCache.TryParse"/> (the parsed-trigger cache), then
/// <see cref="KedaDecisions.DecideAsync"/> (cached reading, reused or fresh decision), and the pure engine
/// alone, over the same services Program.cs composes and the same loopback Prometheus. One caller, so
/// the times are CPU cost per call, not latency under contention.
/// </summary>
internal static class DecisionPath
{
    public static async Task<IReadOnlyList<PathStep>> MeasureAsync(Uri prometheus, int objects, TimeSpan refresh, GetMetricsRequest sample)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Signals:prometheus:RefreshInterval"] = refresh.ToString("c", CultureInfo.InvariantCulture),
            ["Kubernetes:KubeconfigPath"] = null,
        });
        builder.Services.AddSingleton(global::Prometheus.Metrics.NewCustomRegistry());
        builder.Services.AddSignalSources();
        builder.Services.AddKedaFrontDoor();
        await using var app = builder.Build();
        var decisions = app.Services.GetRequiredService<KedaDecisions>();
        var triggers = app.Services.GetRequiredService<KedaTriggerCache>();

        var references = Enumerable.Range(0, objects).Select(i =>
        {
            var reference = new ScaledObjectRef { Name = string.Create(CultureInfo.InvariantCulture, $"path-{i:D4}"), Namespace = "bench" };
            reference.ScalerMetadata.Add("scalerAddress", "scaler.scaler-system:9090");
            reference.ScalerMetadata.Add("prometheusAddress", prometheus.GetLeftPart(UriPartial.Authority));
            reference.ScalerMetadata.Add("pendingRequestsQuery", $"sum(vllm:num_requests_waiting{{namespace=\"bench\",model=\"{reference.Name}\"}})");
            reference.ScalerMetadata.Add("pendingRequestsTarget", "5");
            reference.ScalerMetadata.Add("maxReplicas", "8");
            reference.ScalerMetadata.Add("scaleUpLimit", "10/60s");
            return reference;
        }).ToArray();

        Trigger Parse(ScaledObjectRef r) => triggers.TryParse(r.Namespace, r.Name, r.ScalerMetadata, out var spec, out var errors)
            ? spec
            : throw new InvalidOperationException(string.Join("; ", errors));

        // Prime: every key read once and decided (the first read of a key waits for it).
        var specs = references.Select(Parse).ToArray();
        var primed = Stopwatch.StartNew();
        while (true)
        {
            var made = await Task.WhenAll(specs.Select(s => decisions.DecideAsync(s, CancellationToken.None).AsTask()));
            if (made.All(d => !d.CannotDecide && d.DesiredReplicas == 3) || primed.Elapsed > TimeSpan.FromSeconds(30))
            {
                break;
            }

            await Task.Delay(200);
        }

        var iterations = Math.Max(200_000, objects * 100);
        var steps = new List<PathStep>
        {
            Time("KedaTriggerCache.TryParse (cache hit: metadata compared pair by pair)", iterations, i => Parse(references[i % objects])),
            await TimeAsync("KedaDecisions.DecideAsync (as served: reused, or fresh after a refresh)", iterations, i => decisions.DecideAsync(specs[i % objects], CancellationToken.None)),
            await TimeAsync("TryParse + DecideAsync (GetMetrics minus gRPC)", iterations, i => decisions.DecideAsync(Parse(references[i % objects]), CancellationToken.None)),
        };

        // The wire payload, which no door code avoids: KEDA sends the trigger's metadata map with every call.
        var requestBytes = Google.Protobuf.MessageExtensions.ToByteArray(sample);
        var response = new GetMetricsResponse();
        response.MetricValues.Add(new MetricValue { MetricName = sample.MetricName, MetricValue_ = 3, MetricValueFloat = 3 });
        steps.Add(Time(string.Create(CultureInfo.InvariantCulture, $"protobuf: parse GetMetricsRequest ({requestBytes.Length} bytes, {sample.ScaledObjectRef.ScalerMetadata.Count} metadata entries) + write GetMetricsResponse"), iterations,
            _ => GetMetricsRequest.Parser.ParseFrom(requestBytes).CalculateSize() + Google.Protobuf.MessageExtensions.ToByteArray(response).Length));

        // The pure engine alone on one ScaledObject's inputs, one decision per refresh interval of virtual time,
        // its state carried over as the door does: the cost of a fresh decision once the stabilization windows
        // hold their steady-state history (the warm-up covers more than the longest window).
        var spec0 = specs[0];
        var start = TimeProvider.System.GetUtcNow();
        var state = EngineState.Initial;
        Decision Fresh(int i)
        {
            var now = start + (refresh * i);
            var readings = new Dictionary<string, Reading>(StringComparer.Ordinal) { [spec0.Policy.Signals[0].Name] = Reading.Fresh(12, now) };
            var decision = DecisionEngine.Decide(spec0.Policy, new DecisionInput(now, new ReplicaCounts(3, 3), readings), state);
            state = decision.State;
            return decision;
        }

        var window = Math.Max(spec0.Policy.ScaleDown.StabilizationWindow.Ticks, spec0.Policy.ScaleUp.StabilizationWindow.Ticks) / refresh.Ticks;
        steps.Add(Time(string.Create(CultureInfo.InvariantCulture, $"DecisionEngine.Decide alone (a fresh decision, history of {window} decisions in the window)"), 20_000, Fresh, warmUp: (int)window * 2));

        // Capacity sizing (vLLM's default): the same, fed steady work counters (3 req/s, 1,450 prompt and 120
        // output tokens, 20 running, KV 30%, 25 ms steps), its rate window, estimator and burst look-back full.
        var capacity = new ScalingPolicy
        {
            Signals = [],
            Capacity = new Scaler.Decisions.Capacity.CapacityPolicy(),
            ScaleUp = ScalingRules.KubernetesUp,
            ScaleDown = ScalingRules.KubernetesDown,
        };
        var names = capacity.Capacity.Signals;
        var sized = EngineState.Initial;
        Decision Sized(int i)
        {
            var now = start + (refresh * i);
            var seconds = (refresh * i).TotalSeconds;
            var finished = 3 * seconds;
            var sample = new Scaler.Decisions.Capacity.WorkSample(now, finished, finished * 1450, finished * 120, 20, 0, 0.3, 9)
            {
                InterTokenSeconds = finished * 119 * 0.025,
                InterTokenCount = finished * 119,
            };
            var readings = new Dictionary<string, Reading>(StringComparer.Ordinal);
            foreach (var (name, value) in names.Of(sample))
            {
                readings[name] = Reading.Fresh(value!.Value, now);
            }

            var decision = DecisionEngine.Decide(capacity, new DecisionInput(now, new ReplicaCounts(3, 3), readings), sized);
            sized = decision.State;
            return decision;
        }

        var lookback = (int)(TimeSpan.FromMinutes(31).Ticks / refresh.Ticks);
        steps.Add(Time("DecisionEngine.Decide alone with capacity sizing (a fresh decision; rate window, estimator and 30 min of bursts held)", 20_000, Sized, warmUp: Math.Max((int)window * 2, lookback)));
        return steps;
    }

    /// <summary>
    /// CPU of the reading cache's refresh loops alone: <paramref name="objects"/> keys whose source answers at
    /// once (no HTTP), refreshed every <paramref name="refresh"/> less up to <paramref name="jitter"/> of it, nobody
    /// asking. Milliseconds of CPU per second.
    /// </summary>
    public static async Task<double> RefreshLoopsCpuAsync(int objects, TimeSpan refresh, double jitter)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Signals:prometheus:RefreshInterval"] = refresh.ToString("c", CultureInfo.InvariantCulture),
            ["Signals:RefreshJitter"] = jitter.ToString(CultureInfo.InvariantCulture),
        });
        builder.Services.AddSingleton(global::Prometheus.Metrics.NewCustomRegistry());
        builder.Services.AddSingleton<ISignalSource<Scaler.Signals.Prometheus.PrometheusQuery>, InstantSource>();
        builder.Services.AddSignalSources();
        await using var app = builder.Build();
        var cache = app.Services.GetRequiredService<ReadingCache>();
        var server = new Uri("http://127.0.0.1:9");
        foreach (var i in Enumerable.Range(0, objects))
        {
            await cache.GetAsync(new Scaler.Signals.Prometheus.PrometheusQuery(server, string.Create(CultureInfo.InvariantCulture, $"sum(x{{model=\"m{i}\"}})")), CancellationToken.None);
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(5));
        return (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / clock.Elapsed.TotalSeconds;
    }

    private sealed class InstantSource : ISignalSource<Scaler.Signals.Prometheus.PrometheusQuery>
    {
        public ValueTask<Reading> ReadAsync(Scaler.Signals.Prometheus.PrometheusQuery query, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Reading.Fresh(12, TimeProvider.System.GetUtcNow()));
    }

    private static PathStep Time<T>(string name, int iterations, Func<int, T> step, int? warmUp = null)
    {
        var first = warmUp ?? iterations / 10;
        for (var i = 0; i < first; i++)
        {
            step(i);
        }

        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var started = Stopwatch.GetTimestamp();
        for (var i = first; i < first + iterations; i++)
        {
            step(i);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        return new PathStep(name, elapsed.TotalNanoseconds / iterations, (GC.GetAllocatedBytesForCurrentThread() - bytes) / (double)iterations);
    }

    private static async Task<PathStep> TimeAsync(string name, int iterations, Func<int, ValueTask<Decision>> step)
    {
        for (var i = 0; i < iterations / 10; i++)
        {
            await step(i);
        }

        // Allocations are counted on this thread: the cached path completes synchronously, so they all land here.
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < iterations; i++)
        {
            await step(i);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        return new PathStep(name, elapsed.TotalNanoseconds / iterations, (GC.GetAllocatedBytesForCurrentThread() - bytes) / (double)iterations);
    }
}
