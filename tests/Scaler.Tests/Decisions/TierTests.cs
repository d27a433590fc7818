using Scaler.Decisions;
using static Scaler.Tests.Decisions.EngineFixture;

namespace Scaler.Tests.Decisions;

/// <summary>Activity, the idle tier, scale to zero and scale from zero.</summary>
public class TierTests
{
    private static ScalingPolicy Tiered(int min = 0, int idle = 1) => Plain(PendingSpec(), GpuSpec()) with
    {
        MinReplicas = min,
        IdleReplicas = idle,
        ScaleToZeroAfter = TimeSpan.FromMinutes(10),
        Saturation = SaturationMode.HoldOnly,
    };

    [Theory]
    // one pending request at zero: active, scale from zero to 1
    [InlineData(1, 0, 0, 1, "Active")]
    // twelve pending at zero: ceil(12 / 5) = 3 at once
    [InlineData(12, 0, 0, 3, "Active")]
    // nothing pending at zero: inactive, stay at zero (the idle tier never starts replicas)
    [InlineData(0, 0, 0, 0, "Inactive")]
    // three pending under an activation threshold of 5: inactive, stay at zero
    [InlineData(3, 5, 0, 0, "Inactive")]
    // six pending above an activation threshold of 5: active, ceil(6 / 5) = 2
    [InlineData(6, 5, 0, 2, "Active")]
    // activation is strictly above the threshold: 5 is not above 5
    [InlineData(5, 5, 0, 0, "Inactive")]
    public void Decide_Activity_FollowsDemandAboveActivationThreshold(double pending, double activation, int current, int expected, string activity)
    {
        var policy = Tiered() with { Signals = [PendingSpec() with { ActivationThreshold = activation }, GpuSpec()] };

        var decision = Decide(policy, current, Fresh(Pending, pending), Fresh(Gpu, 0));

        Assert.Equal(expected, decision.DesiredReplicas);
        Assert.Equal(Enum.Parse<Activity>(activity), decision.Activity);
    }

    [Theory]
    // inactive for 0 s with 3 replicas: keep 1 warm (idle tier), not 0
    [InlineData(0, 1, 0, 3, 1, "IdleTier")]
    // inactive for 9 min: still the idle tier
    [InlineData(0, 1, 9, 3, 1, "IdleTier")]
    // inactive for 10 min with min 0: down to zero
    [InlineData(0, 1, 10, 1, 0, "ScaleToZero")]
    // idle 2 with only 1 running: the tier keeps what exists, never starts more
    [InlineData(0, 2, 1, 1, 1, "IdleTier")]
    // min 2 above idle 1: the minimum wins during the idle tier
    [InlineData(2, 1, 1, 4, 2, "IdleTier")]
    // min 1 after the idle period: down to min, never zero
    [InlineData(1, 0, 20, 3, 1, null)]
    public void Decide_Inactive_KeepsIdleTierThenGoesToMin(int min, int idle, int inactiveMinutes, int current, int expected, string? rule)
    {
        var state = EngineState.Initial with { InactiveSince = T0 - TimeSpan.FromMinutes(inactiveMinutes) };

        var decision = DecisionEngine.Decide(Tiered(min, idle), new DecisionInput(T0, new ReplicaCounts(current, current), Readings(Fresh(Pending, 0), Fresh(Gpu, 0))), state);

        Assert.Equal(expected, decision.DesiredReplicas);
        Assert.Equal(Activity.Inactive, decision.Activity);
        if (rule is not null)
        {
            Assert.True(decision.Explanation.Limited(Enum.Parse<Rule>(rule)), decision.Explanation.ToString());
        }
    }

    [Fact]
    public void Decide_ActiveWithLittleLoad_KeepsIdleTierSoMoreLoadNeverMeansFewerReplicas()
    {
        // Inactive would keep 3 warm; one pending request must not drop to 1.
        var idle = Decide(Tiered(idle: 3), 3, Fresh(Pending, 0), Fresh(Gpu, 0));
        var active = Decide(Tiered(idle: 3), 3, Fresh(Pending, 1), Fresh(Gpu, 0));

        Assert.Equal(3, idle.DesiredReplicas);
        Assert.Equal(3, active.DesiredReplicas);
    }

    [Fact]
    public void Decide_ActivityResumes_RestartsTheIdleClock()
    {
        var driver = new EngineDriver(Tiered() with { ScaleDown = ScalingRules.DefaultDown }) { Current = 1 };
        driver.Step(Fresh(Pending, 0), Fresh(Gpu, 0));
        driver.After(TimeSpan.FromMinutes(8)).Step(Fresh(Pending, 2), Fresh(Gpu, 0.3));
        driver.After(TimeSpan.FromMinutes(8)).Step(Fresh(Pending, 0), Fresh(Gpu, 0));

        // 16 minutes since the first idle reading, but only 0 since the last activity.
        Assert.Equal(1, driver.Current);
        Assert.Equal(driver.Time.GetUtcNow(), driver.State.InactiveSince);
    }

    [Fact]
    public void Decide_ScaleToZero_SkipsDownWindowButKeepsRateLimit()
    {
        // Three replicas left idle for 20 minutes: no N -> 0 jump (KEDA #7770); one pod per 120 s.
        var policy = Tiered(idle: 0) with { ScaleDown = ScalingRules.DefaultDown };
        var state = EngineState.Initial with
        {
            InactiveSince = T0 - TimeSpan.FromMinutes(20),
            Recommendations = [new TimedCount(T0 - TimeSpan.FromSeconds(30), 3)],
        };

        var decision = DecisionEngine.Decide(policy, new DecisionInput(T0, new ReplicaCounts(3, 3), Readings(Fresh(Pending, 0), Fresh(Gpu, 0))), state);

        Assert.Equal(2, decision.DesiredReplicas);
        Assert.False(decision.Explanation.Limited(Rule.Stabilization));
        Assert.True(decision.Explanation.Limited(Rule.RateLimit));
        Assert.True(decision.Explanation.Limited(Rule.ScaleToZero));
    }

    [Fact]
    public void Decide_ScaleFromZero_SkipsUpWindow()
    {
        var policy = Tiered() with { ScaleUp = new ScalingRules(TimeSpan.FromSeconds(60), []) };
        var state = EngineState.Initial with { Recommendations = [new TimedCount(T0 - TimeSpan.FromSeconds(10), 0)] };

        var decision = DecisionEngine.Decide(policy, new DecisionInput(T0, new ReplicaCounts(0, 0), Readings(Fresh(Pending, 1), Fresh(Gpu, 0))), state);

        Assert.Equal(1, decision.DesiredReplicas);
    }

    [Fact]
    public void Decide_OnlySaturationSignals_IsAlwaysActive()
    {
        var decision = Decide(Plain(GpuSpec()), 2, Fresh(Gpu, 0));

        Assert.Equal(Activity.Active, decision.Activity);
        Assert.Equal(1, decision.DesiredReplicas);
    }
}
