using Scaler.Decisions;
using static Scaler.Tests.Decisions.EngineFixture;

namespace Scaler.Tests.Decisions;

/// <summary>Unknown is never 0: unavailable or stale signals hold, and fall back beyond their limit.</summary>
public class FailureTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static ScalingPolicy Policy(int? fallback) => Plain(PendingSpec() with { StalenessLimit = Limit }, GpuSpec() with { StalenessLimit = Limit }) with
    {
        FallbackReplicas = fallback,
        IdleReplicas = 1,
        ScaleToZeroAfter = TimeSpan.FromMinutes(10),
        Saturation = SaturationMode.HoldOnly,
    };

    public static TheoryData<string, object?, int?, int, int, string?> Rows() => new()
    {
        // pending unavailable, GPU says 2: hold 4, never down
        { "unavailable holds", Unavailable(Pending, T0 - TimeSpan.FromSeconds(10)), null, 4, 4, "FailureHold" },
        // unavailable within its limit: hold, no fallback yet
        { "fallback waits for the limit", Unavailable(Pending, T0 - TimeSpan.FromSeconds(10)), 6, 4, 4, "FailureHold" },
        // unavailable beyond its limit with fallback 6: ask for 6
        { "fallback beyond the limit", Unavailable(Pending, T0 - TimeSpan.FromSeconds(61)), 6, 4, 6, "Fallback" },
        // unavailable and never observed counts as beyond the limit
        { "never observed", Unavailable(Pending), 6, 4, 6, "Fallback" },
        // a missing reading is unavailable, never 0
        { "missing reading", null, 6, 4, 6, "Fallback" },
        // fallback 2 below the current 4: never move down
        { "fallback never lowers", Unavailable(Pending), 2, 4, 4, "FailureHold" },
        // stale within its limit: the last value is used, ceil(50 / 5) = 10
        { "stale within limit is used", Stale(Pending, 50, T0 - TimeSpan.FromSeconds(30)), null, 4, 10, null },
        // stale beyond its limit: unknown, hold
        { "stale beyond limit holds", Stale(Pending, 0, T0 - TimeSpan.FromSeconds(90)), null, 4, 4, "FailureHold" },
        // a fresh status with an old timestamp is as stale as its age
        { "old fresh reading", Fresh(Pending, 0, T0 - TimeSpan.FromSeconds(90)), null, 4, 4, "FailureHold" },
        // NaN is not a value: hold
        { "NaN holds", Fresh(Pending, double.NaN, T0), null, 4, 4, "FailureHold" },
        // negative is not a value: hold
        { "negative holds", Fresh(Pending, -1, T0), null, 4, 4, "FailureHold" },
        // at zero and unknown within the limit: stay at zero (no blind scale-up)
        { "zero stays within limit", Unavailable(Pending, T0 - TimeSpan.FromSeconds(10)), 2, 0, 0, null },
        // at zero and unknown beyond the limit: fallback scales from zero
        { "fallback from zero", Unavailable(Pending), 2, 0, 2, "Fallback" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Decide_UnknownSignal_NeverMovesDownAndFallsBackBeyondLimit(string row, object? pending, int? fallback, int current, int expected, string? rule)
    {
        KeyValuePair<string, Reading>[] readings = pending is KeyValuePair<string, Reading> reading ? [reading, Fresh(Gpu, 0.2)] : [Fresh(Gpu, 0.2)];

        var decision = Decide(Policy(fallback), current, readings);

        Assert.True(expected == decision.DesiredReplicas, $"{row}: {decision.Explanation}");
        if (rule is not null)
        {
            Assert.True(decision.Explanation.Limited(Enum.Parse<Rule>(rule)), $"{row}: {decision.Explanation}");
        }
    }

    [Fact]
    public void Decide_DemandUnknown_ActivityIsUnknownNotInactive()
    {
        var decision = Decide(Policy(null), 2, Unavailable(Pending), Fresh(Gpu, 0));

        Assert.Equal(Activity.Unknown, decision.Activity);
        Assert.Null(decision.State.InactiveSince);
    }

    [Fact]
    public void Decide_GpuUnknownWhileIdleBeyondScaleToZero_NeverGoesToZero()
    {
        var state = EngineState.Initial with { InactiveSince = T0 - TimeSpan.FromHours(1) };

        var decision = DecisionEngine.Decide(Policy(null), new DecisionInput(T0, new ReplicaCounts(1, 1), Readings(Fresh(Pending, 0), Unavailable(Gpu))), state);

        Assert.Equal(1, decision.DesiredReplicas);
        Assert.True(decision.Explanation.Limited(Rule.FailureHold));
    }

    [Fact]
    public void Decide_OneSignalUnknownOtherSaysUp_ScalesUp()
    {
        // HPA: a partial failure never scales down but may scale up on the good signals.
        var decision = Decide(Policy(null) with { Saturation = SaturationMode.Max }, 4, Unavailable(Pending), Fresh(Gpu, 1.0));

        Assert.Equal(6, decision.DesiredReplicas);
    }

    [Fact]
    public void Decide_ReportedOnlySignalUnknown_ChangesNothing()
    {
        // gpuMode ignore: the GPU signal is only reported; its outage neither holds a scale-down nor asks for the fallback.
        var policy = Policy(fallback: 6) with { Saturation = SaturationMode.Ignore };

        var decision = Decide(policy, 4, Fresh(Pending, 5), Unavailable(Gpu, null, "exporter down"));

        Assert.Equal(1, decision.DesiredReplicas);
        Assert.DoesNotContain(decision.Explanation.Rules, r => r.Rule is Rule.FailureHold or Rule.Fallback);
        Assert.Contains("gpu unknown (unavailable, never observed: exporter down)", decision.Explanation.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_UnknownSignalWithReason_ExplanationCarriesTheSourcesWords()
    {
        var decision = Decide(Policy(fallback: null), 4, Unavailable(Pending, T0 - TimeSpan.FromSeconds(10), "Prometheus http://prom:9090 unreachable: connection refused"), Fresh(Gpu, 0.7));

        Assert.Contains("pending unknown (unavailable, last observed 10s ago: Prometheus http://prom:9090 unreachable: connection refused)", decision.Explanation.ToString(), StringComparison.Ordinal);
    }
}
