using Scaler.Decisions;
using Scaler.Decisions.Capacity;

namespace Scaler.Tests.Decisions.Capacity;

/// <summary>Capacity sizing: rates from counters, resets, guards over a wrong profile, bursts, unknowns, the explanation.</summary>
public class CapacitySizingTests
{
    private static readonly ServerProfile Truth = ServerProfile.Default;

    private static CapacityAssessment Run(CapacityPolicy policy, WorkCounterSim work, int ready, int steps, TimeSpan every, out CapacityState state)
    {
        state = CapacityState.Initial;
        CapacityAssessment? last = null;
        for (var i = 0; i < steps; i++)
        {
            last = CapacitySizing.Assess(policy, work.Advance(every), new ReplicaCounts(ready, ready), state, 10);
            state = last.State;
        }

        return last!;
    }

    [Fact]
    public void Assess_SteadyChat_SizesFromTheRateAndMixAndSaysSo()
    {
        var work = new WorkCounterSim(3.1, 1450, 120, Truth, ready: 2) { Batch = 15, KvCacheUse = 0.2 };

        var assessment = Run(new CapacityPolicy(), work, 2, 20, TimeSpan.FromSeconds(5), out _);

        Assert.True(assessment.Known);
        Assert.True(assessment.Active);
        var expected = QueueingModel.Replicas(assessment.State.Estimate!.Cautious(Truth), new CapacityPolicy(), 3.1, 1450, 120, 10);
        Assert.Equal(expected, assessment.Required, 6);
        Assert.Equal((int)Math.Ceiling(expected), assessment.Proposal);
        Assert.StartsWith("3.1 req/s × 1,450 prompt + 120 output tokens -> ", assessment.Note, StringComparison.Ordinal);
        Assert.Contains(" replicas for p99 TTFT <= 2 s (profile step ", assessment.Note, StringComparison.Ordinal);
        Assert.Contains("guard: KV 20%, queue 0/replica", assessment.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Assess_ObjectiveBelowOneRequestsOwnTime_SizesToTheReachableNotTheMaximum()
    {
        // 8,000-token prompts take ~1 s each at 8,100 tokens/s: their p99 alone is ~4.6 s, above 2 s with no queue.
        var work = new WorkCounterSim(0.5, 8000, 20, Truth, ready: 1) { Batch = 1, KvCacheUse = 0.05 };

        var assessment = Run(new CapacityPolicy(), work, 1, 20, TimeSpan.FromSeconds(5), out _);

        Assert.InRange(assessment.Proposal!.Value, 1, 4);
        Assert.Contains("objective below one request's own time", assessment.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Assess_FirstSample_MeasuresBeforeSizing()
    {
        var work = new WorkCounterSim(3, 1000, 100, Truth, ready: 1);

        var assessment = CapacitySizing.Assess(new CapacityPolicy(), work.Advance(TimeSpan.FromSeconds(1)), new ReplicaCounts(1, 1), CapacityState.Initial, 10);

        Assert.True(assessment.Known);
        Assert.Null(assessment.Proposal);
        Assert.StartsWith("measuring the arrival rate", assessment.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Assess_CounterReset_RestartsTheWindowWithoutASpike()
    {
        var policy = new CapacityPolicy();
        var work = new WorkCounterSim(3, 1000, 100, Truth, ready: 2) { Batch = 10 };
        var before = Run(policy, work, 2, 20, TimeSpan.FromSeconds(5), out var state);

        // The source started over (counters near zero): no negative rate, no burst of "new" requests.
        var restarted = new WorkCounterSim(3, 1000, 100, Truth, ready: 2) { Batch = 10 };
        var afterReset = new List<CapacityAssessment>();
        for (var i = 0; i < 16; i++)
        {
            var sample = restarted.Advance(TimeSpan.FromSeconds(5)) with { At = work.At.AddSeconds(5 * (i + 1)) };
            var assessment = CapacitySizing.Assess(policy, sample, new ReplicaCounts(2, 2), state, 10);
            state = assessment.State;
            afterReset.Add(assessment);
        }

        Assert.Null(afterReset[0].Proposal);
        Assert.All(afterReset.Skip(1), a => Assert.InRange(a.Required, 0, before.Required * 1.3));
        Assert.Equal(before.Proposal, afterReset[^1].Proposal);
    }

    [Fact]
    public void Assess_UnknownCounters_AreUnknownNeverZero()
    {
        var sample = new WorkSample(EngineFixture.T0, null, 1000, 100, 5, 0, 0.1, null);

        var assessment = CapacitySizing.Assess(new CapacityPolicy(), sample, new ReplicaCounts(3, 3), CapacityState.Initial, 10);

        Assert.False(assessment.Known);
        Assert.Null(assessment.Proposal);
    }

    [Fact]
    public void Assess_ProfileFarTooOptimistic_KvGuardAddsReplicas()
    {
        // The metadata claims a server ten times faster than it is; the cache says otherwise.
        var optimistic = new CapacityPolicy { Profile = Truth with { StepSeconds = 0.0025, TokenSeconds = Truth.TokenSeconds / 10, FullCacheSeconds = 0.0035 } };
        var work = new WorkCounterSim(3, 1450, 120, Truth, ready: 2) { Batch = 40, KvCacheUse = 0.95 };

        var assessment = Run(optimistic, work, 2, 4, TimeSpan.FromSeconds(5), out _);

        // KV 95% on 2 replicas: ⌈2 × 0.95 / 0.8⌉ = 3, at least one more than ready.
        Assert.Equal(3, assessment.Guard);
        Assert.Contains("guard hot: KV 95%", assessment.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Assess_QueuePastItsGuard_ActsOnlyWhenItPersists()
    {
        var policy = new CapacityPolicy();
        var state = CapacityState.Initial;
        int? Queue(int seconds, double waiting)
        {
            var sample = new WorkSample(EngineFixture.T0.AddSeconds(seconds), 100, 100_000, 10_000, 20, waiting, 0.3, null);
            var assessment = CapacitySizing.Assess(policy, sample, new ReplicaCounts(2, 2), state, 10);
            state = assessment.State;
            return assessment.Guard;
        }

        // 30 waiting on 2 replicas (15 each, past 5): a burst at first, a wrong profile once it lasts.
        Assert.Null(Queue(0, 30));
        Assert.Null(Queue(5, 30));
        Assert.Equal(5, Queue(10, 30)); // ⌈2 × (20 + 30) / 20⌉
        Assert.Null(Queue(15, 2));
        Assert.Null(Queue(20, 30));
    }

    [Theory]
    // Poisson arrivals at 4 req/s: 8 expected in two seconds, 15 is within m + 3√m + 1: no standing capacity
    [InlineData(15, false)]
    // a burst of 40 on top: standing capacity for it
    [InlineData(48, true)]
    public void Assess_ArrivalPeaks_StandingCapacityOnlyBeyondPoisson(double peak, bool standing)
    {
        var work = new WorkCounterSim(4, 2000, 20, Truth, ready: 2) { Batch = 4, KvCacheUse = 0.05, ArrivalPeak = peak };

        var assessment = Run(new CapacityPolicy(), work, 2, 30, TimeSpan.FromSeconds(5), out var state);

        Assert.Equal(standing, assessment.Note.Contains("bursts:", StringComparison.Ordinal));
        Assert.Equal(standing, state.Bursts.Any(b => b.Excess > 0));
        if (standing)
        {
            // 48 prompts of 2,000 tokens within 2 s + the objective, at ~8,100 prefill tokens/s a replica.
            Assert.True(assessment.Required >= 48 * 2000 / (Truth.PrefillTokensPerSecond * 4) / 1.5, assessment.Note);
        }
    }

    [Fact]
    public void Decide_CapacityPolicy_DrivenByCapacityWithTheNumbersInTheExplanation()
    {
        var policy = new ScalingPolicy { Signals = [], Capacity = new CapacityPolicy(), ScaleUp = ScalingRules.KubernetesUp };
        var work = new WorkCounterSim(6, 1450, 120, Truth, ready: 1) { Batch = 30, KvCacheUse = 0.3 };
        var state = EngineState.Initial;
        Decision? decision = null;
        for (var i = 0; i < 20; i++)
        {
            var sample = work.Advance(TimeSpan.FromSeconds(5));
            decision = DecisionEngine.Decide(policy, new DecisionInput(sample.At, new ReplicaCounts(1, 1), WorkCounterSim.Readings(sample)), state);
            state = decision.State;
        }

        Assert.Equal(CapacitySizing.SignalName, decision!.Explanation.DrivingSignal);
        Assert.True(decision.DesiredReplicas > 1);
        Assert.Contains("driven by capacity=", decision.Explanation.ToString(), StringComparison.Ordinal);
        Assert.Contains("6 req/s × 1,450 prompt + 120 output tokens", decision.Explanation.ToString(), StringComparison.Ordinal);
        Assert.NotNull(state.Capacity);
    }

    [Fact]
    public void Decide_CapacityPolicy_WorkSignalsUnavailable_HoldsAndSaysWhy()
    {
        var policy = new ScalingPolicy { Signals = [], Capacity = new CapacityPolicy() };
        var readings = new Dictionary<string, Reading>(StringComparer.Ordinal)
        {
            [new WorkSignalNames().Requests] = Reading.Unavailable("pods unreachable", EngineFixture.T0.AddSeconds(-10)),
        };

        var decision = DecisionEngine.Decide(policy, new DecisionInput(EngineFixture.T0, new ReplicaCounts(4, 4), readings), EngineState.Initial);

        Assert.Equal(4, decision.DesiredReplicas);
        Assert.Equal(Activity.Unknown, decision.Activity);
        Assert.Contains(CapacitySizing.SignalName, decision.UnknownSignals);
        Assert.Contains("pods unreachable", decision.Explanation.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_CapacityPolicy_NothingArrivingNorHeld_IsInactive()
    {
        var policy = new ScalingPolicy { Signals = [], Capacity = new CapacityPolicy(), IdleReplicas = 1 };
        var sample = new WorkSample(EngineFixture.T0, 50, 50_000, 5_000, 0, 0, 0, null) { InterTokenSeconds = 10, InterTokenCount = 4_950 };
        var state = EngineState.Initial;
        Decision? decision = null;
        for (var i = 0; i < 5; i++)
        {
            var at = sample with { At = EngineFixture.T0.AddSeconds(i * 15) };
            decision = DecisionEngine.Decide(policy, new DecisionInput(at.At, new ReplicaCounts(1, 1), WorkCounterSim.Readings(at)), state);
            state = decision.State;
        }

        Assert.Equal(Activity.Inactive, decision!.Activity);
        Assert.Equal(1, decision.DesiredReplicas);
    }
}
