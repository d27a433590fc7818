using Scaler.Decisions;
using static Scaler.Tests.Decisions.EngineFixture;

namespace Scaler.Tests.Decisions;

/// <summary>
/// A decider that took a workload over without its history (a new leader, a restarted Scaler) starts
/// conservative: nothing below the count in effect until a full down-stabilization window has passed since the
/// take-over; going up is not held, and rate limits count from the count in effect.
/// </summary>
public class TakeOverTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private static ScalingPolicy Policy(ScalingRules? up = null, ScalingRules? down = null) =>
        Plain(PendingSpec()) with { ScaleDown = down ?? new ScalingRules(Window, []), ScaleUp = up ?? new ScalingRules(TimeSpan.Zero, []) };

    [Fact]
    public void Decide_TakenOverWithLowDemand_HoldsTheCountUntilAFullDownWindowHasPassed()
    {
        var driver = new EngineDriver(Policy()) { Current = 8, State = EngineState.TakingOver(T0) };

        var atOnce = driver.Step(Fresh(Pending, 5));
        var beforeTheWindow = driver.After(Window - TimeSpan.FromSeconds(1)).Step(Fresh(Pending, 5));
        var after = driver.After(TimeSpan.FromSeconds(1)).Step(Fresh(Pending, 5));

        Assert.Equal(8, atOnce);
        Assert.Equal(8, beforeTheWindow);
        Assert.Equal(1, after);
        Assert.Null(driver.State.TakenOverAt);
    }

    [Fact]
    public void Decide_TakenOver_SaysWhyItHolds()
    {
        var driver = new EngineDriver(Policy()) { Current = 8, State = EngineState.TakingOver(T0) };

        driver.Step(Fresh(Pending, 5));

        Assert.Contains(driver.Last.Explanation.Rules, r => r == new AppliedRule(Rule.Stabilization, 1, 8, "down window 300s since taking over without history"));
    }

    [Fact]
    public void Decide_TakenOverWithHighDemand_GoesUpAtOnceWithinTheRateLimitFromTheCountInEffect()
    {
        var driver = new EngineDriver(Policy(up: ScalingRules.DefaultUp)) { Current = 4, State = EngineState.TakingOver(T0) };

        var up = driver.Step(Fresh(Pending, 100));

        // Two pods per minute from the 4 in effect; no window holds a scale-up.
        Assert.Equal(6, up);
    }

    [Fact]
    public void Decide_TakenOverLongBefore_NoHold()
    {
        var driver = new EngineDriver(Policy()) { Current = 8, State = EngineState.TakingOver(T0 - TimeSpan.FromHours(1)) };

        Assert.Equal(1, driver.Step(Fresh(Pending, 5)));
    }

    [Fact]
    public void Decide_TakenOverWithScaleToZeroDue_NotToZeroBeforeTheWindow()
    {
        var policy = Policy() with { MinReplicas = 0, IdleReplicas = 1, ScaleToZeroAfter = TimeSpan.Zero };
        var driver = new EngineDriver(policy) { Current = 3, State = EngineState.TakingOver(T0) };

        var held = driver.Step(Fresh(Pending, 0));
        var later = driver.After(Window).Step(Fresh(Pending, 0));

        Assert.Equal(3, held);
        Assert.True(later < 3);
    }

    [Fact]
    public void Decide_NoDownWindow_NothingToHold()
    {
        var driver = new EngineDriver(Policy(down: new ScalingRules(TimeSpan.Zero, []))) { Current = 8, State = EngineState.TakingOver(T0) };

        Assert.Equal(1, driver.Step(Fresh(Pending, 5)));
    }
}
