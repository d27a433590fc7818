using Microsoft.Extensions.Logging.Testing;
using Scaler.FrontDoors.Keda;
using Scaler.Signals.Kubernetes;
using Scaler.Tests.Signals.GpuFleet;
using Scaler.Triggers;
using static Scaler.Tests.FrontDoors.Keda.DecisionsHarness;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>Several Scaler triggers on one ScaledObject: each keeps its own spec, engine state and last decision.</summary>
public sealed class KedaDecisionsTests : IAsyncDisposable
{
    // Two triggers of ScaledObject llm/vllm reading different queries, as KEDA sends them: same name and
    // namespace, different metadata.
    private static readonly Dictionary<string, string> Waiting = Metadata("sum(vllm:num_requests_waiting)");
    private static readonly Dictionary<string, string> Running = Metadata("sum(vllm:num_requests_running)");

    private readonly StaticWorkloadPods _pods = new StaticWorkloadPods().WithPods(StaticWorkloadPods.Pod("vllm-7d9f-a"), StaticWorkloadPods.Pod("vllm-7d9f-b"));
    private readonly DecisionsHarness _harness;

    public KedaDecisionsTests() => _harness = new DecisionsHarness(_pods, new KubernetesCluster(null, "test: no cluster"));

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task DecideAsync_TwoTriggersOfOneScaledObject_IndependentDecisionsAndStabilization()
    {
        _harness.Prometheus.Set(Waiting["pendingRequestsQuery"], 20);
        _harness.Prometheus.Set(Running["pendingRequestsQuery"], 5);

        var waiting = await _harness.DecideAsync("vllm", Waiting);
        var running = await _harness.DecideAsync("vllm", Running);

        Assert.Equal(4, waiting.Decision.DesiredReplicas);
        Assert.Equal(1, running.Decision.DesiredReplicas);
        Assert.NotEqual(waiting.MetricName, running.MetricName);

        // The HPA took the higher count: 4 replicas run. The waiting queue drains: that trigger's own 5-minute
        // scale-down window holds its 4, while the other trigger, which never asked for 4, is not held up by it
        // (one shared state would answer 4 for both).
        _pods.WithPods([.. Enumerable.Range(0, 4).Select(i => StaticWorkloadPods.Pod($"vllm-7d9f-{i}"))]);
        _harness.Prometheus.Set(Waiting["pendingRequestsQuery"], 5);
        await _harness.AdvanceAsync(Refresh);
        waiting = await _harness.DecideAsync("vllm", Waiting);
        running = await _harness.DecideAsync("vllm", Running);

        Assert.Equal(4, waiting.Decision.DesiredReplicas);
        Assert.Contains("stabilization", waiting.Reason, StringComparison.Ordinal);
        Assert.Equal(1, running.Decision.DesiredReplicas);
        Assert.Equal(
            [(waiting.MetricName, 4), (running.MetricName, 1)],
            _harness.Decisions.LatestFor(new ScaledObjectKey("llm", "vllm")).Select(d => (d.Trigger.MetricName, d.Decision.DesiredReplicas)).OrderBy(d => d.MetricName == running.MetricName));
    }

    [Fact]
    public async Task DecideAsync_TwoTriggers_GaugeChildPerTrigger()
    {
        _harness.Prometheus.Set(Waiting["pendingRequestsQuery"], 20);
        _harness.Prometheus.Set(Running["pendingRequestsQuery"], 5);

        var waiting = await _harness.DecideAsync("vllm", Waiting);
        var running = await _harness.DecideAsync("vllm", Running);

        Assert.Equal(4, _harness.KedaMetrics.DesiredReplicas.WithLabels("llm", "vllm", waiting.MetricName).Value);
        Assert.Equal(1, _harness.KedaMetrics.DesiredReplicas.WithLabels("llm", "vllm", running.MetricName).Value);
    }

    [Fact]
    public void TryParse_TwoTriggersAlternating_EachParsedOnce()
    {
        var decisions = _harness.Decisions;

        for (var i = 0; i < 50; i++)
        {
            Assert.True(_harness.Triggers.TryParse("llm", "vllm", Waiting, out var first, out _));
            Assert.True(_harness.Triggers.TryParse("llm", "vllm", Running, out var second, out _));
            Assert.NotEqual(first!.MetricName, second!.MetricName);
        }

        Assert.Equal(2, _harness.Triggers.ParseCount);
    }

    [Fact]
    public void TryParse_IdenticalMetadataInAnotherMapInstance_SameTriggerAndSpec()
    {
        var decisions = _harness.Decisions;

        Assert.True(_harness.Triggers.TryParse("llm", "vllm", Waiting, out var first, out _));
        Assert.True(_harness.Triggers.TryParse("llm", "vllm", new Dictionary<string, string>(Waiting), out var again, out _));

        Assert.Same(first, again);
        Assert.Equal(1, _harness.Triggers.ParseCount);
    }

    [Fact]
    public void TryParse_KnownMetadataFromTheWire_AllocatesNothing()
    {
        // The map type KEDA's requests arrive in (protobuf MapField), alternating between two triggers.
        var waiting = KedaScalerHost.ScaledObject("vllm", query: "sum(vllm:num_requests_waiting)").ScalerMetadata;
        var running = KedaScalerHost.ScaledObject("vllm", query: "sum(vllm:num_requests_running)").ScalerMetadata;
        var decisions = _harness.Decisions;
        Assert.True(_harness.Triggers.TryParse("llm", "vllm", waiting, out _, out _));
        Assert.True(_harness.Triggers.TryParse("llm", "vllm", running, out _, out _));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            _harness.Triggers.TryParse("llm", "vllm", (i & 1) == 0 ? waiting : running, out _, out _);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Less than a byte per call: no enumerator, key or list per call.
        Assert.True(allocated < 1000, $"{allocated} bytes allocated by 1000 cached parses");
        Assert.Equal(2, _harness.Triggers.ParseCount);
    }

    [Fact]
    public void TryParse_MoreTriggersThanKept_OldestReparsedNewestKept()
    {
        var decisions = _harness.Decisions;
        var triggers = Enumerable.Range(0, KedaTriggerCache.PerScaledObject + 1).Select(i => Metadata($"sum(queue_{i})")).ToList();

        foreach (var metadata in triggers)
        {
            Assert.True(_harness.Triggers.TryParse("llm", "vllm", metadata, out _, out _));
        }

        Assert.True(_harness.Triggers.TryParse("llm", "vllm", triggers[^1], out _, out _));
        Assert.Equal(triggers.Count, _harness.Triggers.ParseCount);
        Assert.True(_harness.Triggers.TryParse("llm", "vllm", triggers[0], out _, out _));
        Assert.Equal(triggers.Count + 1, _harness.Triggers.ParseCount);
    }

    [Fact]
    public async Task ForgetIdle_TriggerNotAskedFor15Minutes_StateDecisionSeriesAndPageHistoryGone()
    {
        using var history = new Scaler.FrontDoors.Page.DecisionHistory(_harness.Decisions);
        _harness.Prometheus.Set(Waiting["pendingRequestsQuery"], 20);
        _harness.Prometheus.Set(Running["pendingRequestsQuery"], 5);
        var gone = await _harness.DecideAsync("vllm", Waiting);
        await _harness.DecideAsync("vllm", Running);

        // Only the second trigger keeps being asked (as KEDA asks every polling interval).
        for (var elapsed = TimeSpan.Zero; elapsed <= _harness.Decisions.ForgetAfter; elapsed += TimeSpan.FromMinutes(1))
        {
            _harness.Time.Advance(TimeSpan.FromMinutes(1));
            await _harness.DecideAsync("vllm", Running);
        }

        _harness.Decisions.ForgetIdle();

        // The sibling trigger keeps its parsed spec: asking again parses nothing.
        var parses = _harness.Triggers.ParseCount;
        await _harness.DecideAsync("vllm", Running);
        Assert.Equal(parses, _harness.Triggers.ParseCount);
        var left = Assert.Single(_harness.Decisions.LatestFor(new ScaledObjectKey("llm", "vllm")));
        Assert.NotEqual(gone.MetricName, left.Trigger.MetricName);
        foreach (var gauge in new[] { _harness.KedaMetrics.DesiredReplicas, _harness.KedaMetrics.CurrentReplicas, _harness.KedaMetrics.ReadyReplicas })
        {
            var series = gauge.GetAllLabelValues().Select(labels => labels[2]).ToList();
            Assert.DoesNotContain(gone.MetricName, series);
            Assert.Contains(left.Trigger.MetricName, series);
        }

        Assert.Contains(_harness.Logs.Lines(), m => m.Contains("not asked about for", StringComparison.Ordinal) && m.Contains(gone.MetricName, StringComparison.Ordinal));
        // The page's history went with it; the sibling's stays.
        Assert.Equal([left.Trigger.MetricName], history.Triggers.Select(t => t.Id.MetricName));

        // Asked again: decided afresh, from the initial state.
        var back = await _harness.DecideAsync("vllm", Waiting);
        Assert.Equal(gone.MetricName, back.MetricName);
    }

    [Fact]
    public async Task DecideAsync_ReportedOnlyGpuSignalUnknown_StillDecides()
    {
        // gpuMode ignore (the default): the GPU signal is reported only. No GPU source here, so it is unknown;
        // the door must still answer from pending requests, not UNAVAILABLE.
        var metadata = Metadata("sum(vllm:num_requests_waiting)", ("gpuUtilizationTarget", "70"));
        _harness.Prometheus.Set(metadata["pendingRequestsQuery"], 5);

        var decision = await _harness.DecideAsync("vllm", metadata);

        Assert.False(decision.CannotDecide, decision.Reason);
        Assert.Equal(1, decision.Decision.DesiredReplicas);
        Assert.Contains("gpu-utilization unknown (unavailable, never observed: ", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DecideAsync_GpuSignalTakingPartUnknown_CannotDecide()
    {
        // gpuMode hold: the GPU signal may hold the count, so not knowing it means the door cannot decide a scale-down.
        var metadata = Metadata("sum(vllm:num_requests_waiting)", ("gpuUtilizationTarget", "70"), ("gpuMode", "hold"));
        _harness.Prometheus.Set(metadata["pendingRequestsQuery"], 5);

        var decision = await _harness.DecideAsync("vllm", metadata);

        Assert.True(decision.CannotDecide, decision.Reason);
    }

    [Fact]
    public async Task DecideAsync_SubscriberThrows_DecisionStillServedAndLogged()
    {
        _harness.Prometheus.Set(Waiting["pendingRequestsQuery"], 20);
        _harness.Decisions.DecisionChanged += Throw;
        try
        {
            var decision = await _harness.DecideAsync("vllm", Waiting);

            Assert.Equal(4, decision.Decision.DesiredReplicas);
            Assert.Contains(_harness.Logs.Lines(), l => l.Contains("a subscriber to decision changes failed", StringComparison.Ordinal));
        }
        finally
        {
            _harness.Decisions.DecisionChanged -= Throw;
        }

        static void Throw(DecisionChange change) => throw new InvalidOperationException("subscriber bug");
    }
}
