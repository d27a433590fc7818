using Scaler.Decisions;
using static Scaler.Tests.Decisions.EngineFixture;

namespace Scaler.Tests.Decisions;

/// <summary>Stabilization windows, rate limits, warming and bounds, on virtual time.</summary>
public class BehaviorTests
{
    private static readonly TimeSpan S15 = TimeSpan.FromSeconds(15);

    [Fact]
    public void Decide_DownWindow_HoldsHighestRecentRecommendation()
    {
        var driver = new EngineDriver(Plain(PendingSpec()) with { ScaleDown = new ScalingRules(TimeSpan.FromSeconds(300), []) }) { Current = 10 };

        driver.Step(Fresh(Pending, 50));
        var held = driver.After(TimeSpan.FromSeconds(60)).Step(Fresh(Pending, 10));
        var released = driver.After(TimeSpan.FromSeconds(241)).Step(Fresh(Pending, 10));

        Assert.Equal(10, held);
        Assert.Equal(2, released);
    }

    [Fact]
    public void Decide_DownWindow_NamedInExplanation()
    {
        var driver = new EngineDriver(Plain(PendingSpec()) with { ScaleDown = new ScalingRules(TimeSpan.FromSeconds(300), []) }) { Current = 10 };

        driver.Step(Fresh(Pending, 50));
        driver.After(S15).Step(Fresh(Pending, 10));

        var rule = Assert.Single(driver.Last.Explanation.Rules);
        Assert.Equal(new AppliedRule(Rule.Stabilization, 2, 10, "down window 300s"), rule);
    }

    [Fact]
    public void Decide_UpWindow_WaitsForSustainedDemand()
    {
        var driver = new EngineDriver(Plain(PendingSpec()) with { ScaleUp = new ScalingRules(TimeSpan.FromSeconds(60), []) }) { Current = 2 };

        driver.Step(Fresh(Pending, 10));
        var early = driver.After(S15).Step(Fresh(Pending, 50));
        var sustained = driver.After(TimeSpan.FromSeconds(46)).Step(Fresh(Pending, 50));

        Assert.Equal(2, early);
        Assert.Equal(10, sustained);
    }

    [Fact]
    public void Decide_UpRateLimit_AllowsTwoPodsPerMinute()
    {
        var driver = new EngineDriver(Plain(PendingSpec()) with { ScaleUp = ScalingRules.DefaultUp }) { Current = 2 };

        var first = driver.Step(Fresh(Pending, 50));
        var sameMinute = driver.After(TimeSpan.FromSeconds(30)).Step(Fresh(Pending, 50));
        var nextMinute = driver.After(TimeSpan.FromSeconds(31)).Step(Fresh(Pending, 50));

        Assert.Equal([4, 4, 6], new[] { first, sameMinute, nextMinute });
        Assert.Contains(driver.Last.Explanation.Rules, r => r is { Rule: Rule.RateLimit, From: 10, To: 6 });
    }

    [Fact]
    public void Decide_DownRateLimit_AllowsOnePodPerTwoMinutes()
    {
        var driver = new EngineDriver(Plain(PendingSpec()) with { ScaleDown = new ScalingRules(TimeSpan.Zero, ScalingRules.DefaultDown.Limits) }) { Current = 5 };

        var first = driver.Step(Fresh(Pending, 5));
        var within = driver.After(TimeSpan.FromSeconds(60)).Step(Fresh(Pending, 5));
        var after = driver.After(TimeSpan.FromSeconds(61)).Step(Fresh(Pending, 5));

        Assert.Equal([4, 4, 3], new[] { first, within, after });
    }

    [Theory]
    // Kubernetes default up from 1: max(1 + 4, 1 × 2) = 5
    [InlineData(1, "Max", 5)]
    // Kubernetes default up from 10: max(10 + 4, 10 × 2) = 20
    [InlineData(10, "Max", 20)]
    // selectPolicy Min from 10: min(14, 20) = 14
    [InlineData(10, "Min", 14)]
    // selectPolicy Disabled: no scale-up at all
    [InlineData(10, "Disabled", 10)]
    public void Decide_UpPolicies_CombinePerSelectPolicy(int current, string select, int expected)
    {
        var policy = Plain(PendingSpec()) with { ScaleUp = ScalingRules.KubernetesUp with { Select = Enum.Parse<SelectPolicy>(select) } };

        var decision = Decide(policy, current, Fresh(Pending, 1000));

        Assert.Equal(expected, decision.DesiredReplicas);
    }

    [Theory]
    // Kubernetes default down: 100% per 15 s, straight to the proposal
    [InlineData("Percent", 100, 1)]
    // 50% per period from 10: trunc(10 × 0.5) = 5
    [InlineData("Percent", 50, 5)]
    // 3 pods per period from 10: 7
    [InlineData("Pods", 3, 7)]
    public void Decide_DownPolicies_LimitTheStep(string kind, int value, int expected)
    {
        var policy = Plain(PendingSpec()) with { ScaleDown = new ScalingRules(TimeSpan.Zero, [new RateLimit(Enum.Parse<RateLimitKind>(kind), value, S15)]) };

        var decision = Decide(policy, 10, Fresh(Pending, 1));

        Assert.Equal(expected, decision.DesiredReplicas);
    }

    [Fact]
    public void Decide_WarmingReplicasSameLoad_NoNewScaleUp()
    {
        var driver = new EngineDriver(Plain(PendingSpec()) with { ScaleUp = ScalingRules.DefaultUp, WarmingGate = true }) { Current = 2 };

        driver.Step(ready: 2, Fresh(Pending, 40));
        var held = driver.After(TimeSpan.FromSeconds(61)).Step(ready: 2, Fresh(Pending, 42));

        Assert.Equal(4, held);
        Assert.True(driver.Last.Explanation.Limited(Rule.Warming), driver.Last.Explanation.ToString());
    }

    [Theory]
    // load grew beyond the tolerance (40 -> 50) while two replicas load: scale up again
    [InlineData(50, 2, 6)]
    // the replicas asked for are ready: same load may scale up again
    [InlineData(42, 4, 6)]
    public void Decide_WarmingGate_OpensForGrowthOrWhenReady(double load, int ready, int expected)
    {
        var driver = new EngineDriver(Plain(PendingSpec()) with { ScaleUp = ScalingRules.DefaultUp, WarmingGate = true }) { Current = 2 };

        driver.Step(ready: 2, Fresh(Pending, 40));
        var next = driver.After(TimeSpan.FromSeconds(61)).Step(ready, Fresh(Pending, load));

        Assert.Equal(expected, next);
        Assert.False(driver.Last.Explanation.Limited(Rule.Warming));
    }

    [Fact]
    public void Decide_WarmingGateOff_AddsAgainForSameLoad()
    {
        var driver = new EngineDriver(Plain(PendingSpec()) with { ScaleUp = ScalingRules.DefaultUp }) { Current = 2 };

        driver.Step(ready: 2, Fresh(Pending, 40));
        var next = driver.After(TimeSpan.FromSeconds(61)).Step(ready: 2, Fresh(Pending, 42));

        Assert.Equal(6, next);
    }

    [Theory]
    // 500 pending ask for 100; max 10 wins
    [InlineData(500, 4, 10, "Bounds")]
    // nothing pending with min 2: the idle tier already applies the minimum
    [InlineData(0, 4, 2, "IdleTier")]
    // one pending with min 2: active asks for 1, min wins
    [InlineData(1, 4, 2, "Bounds")]
    // already above max (policy lowered) and load asks for 40: down to max
    [InlineData(200, 30, 10, "Bounds")]
    public void Decide_Bounds_AlwaysHold(double pending, int current, int expected, string rule)
    {
        var policy = Plain(PendingSpec()) with { MinReplicas = 2, MaxReplicas = 10 };

        var decision = Decide(policy, current, Fresh(Pending, pending));

        Assert.Equal(expected, decision.DesiredReplicas);
        Assert.True(decision.Explanation.Limited(Enum.Parse<Rule>(rule)), decision.Explanation.ToString());
    }

    [Fact]
    public void Explanation_ToString_NamesDriverAndEveryLimitingRule()
    {
        var driver = new EngineDriver(Plain(PendingSpec(), GpuSpec()) with { ScaleUp = ScalingRules.DefaultUp, MaxReplicas = 3 }) { Current = 1 };

        driver.Step(Fresh(Pending, 50), Fresh(Gpu, 0.9));
        var text = driver.Last.Explanation.ToString();

        Assert.Equal(3, driver.Current);
        Assert.Contains("driven by pending=50 -> 10", text, StringComparison.Ordinal);
        Assert.Contains("rate-limit 10->3 (up 2 pods per 60s)", text, StringComparison.Ordinal);
        Assert.Contains("gpu=0.9 -> 2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("bounds", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_State_KeepsOnlyWhatTheWindowsNeed()
    {
        var driver = new EngineDriver(Plain(PendingSpec()) with { ScaleDown = ScalingRules.DefaultDown, ScaleUp = ScalingRules.DefaultUp }) { Current = 2 };

        for (var i = 0; i < 200; i++)
        {
            driver.After(S15).Step(Fresh(Pending, i % 7 * 5));
        }

        // 300 s window at 15 s syncs keeps at most 20 recommendations; events expire after 120 s.
        Assert.InRange(driver.State.Recommendations.Length, 1, 20);
        Assert.InRange(driver.State.ScaleEvents.Length, 0, 8);
    }

    [Fact]
    public void Decide_ObservedCountLagsAScaleUp_LimitSpentOnceAndAnswerHeld()
    {
        // A door decides every 5 s; the HPA applies on its own sync and the pods appear later: current stays 1.
        var driver = new EngineDriver(Plain(PendingSpec()) with { ScaleUp = ScalingRules.DefaultUp }) { Current = 1 };

        var answers = new List<int> { driver.StepWithoutApplying(Fresh(Pending, 15)) };
        for (var i = 0; i < 6; i++)
        {
            answers.Add(driver.After(TimeSpan.FromSeconds(5)).StepWithoutApplying(Fresh(Pending, 15)));
        }

        // Re-asking is not a second change: 3 every time (it used to fall back to 1 after the first answer).
        Assert.All(answers, a => Assert.Equal(3, a));
        Assert.Equal([2], driver.State.ScaleEvents.Select(e => e.Count));
    }

    [Fact]
    public void Decide_ObservedCountCatchesUp_NextStepAfterThePeriod()
    {
        var driver = new EngineDriver(Plain(PendingSpec()) with { ScaleUp = ScalingRules.DefaultUp }) { Current = 1 };

        var first = driver.StepWithoutApplying(Fresh(Pending, 50));
        driver.Current = 2; // on its way
        var onItsWay = driver.After(TimeSpan.FromSeconds(20)).StepWithoutApplying(Fresh(Pending, 50));
        driver.Current = 3;
        var arrived = driver.After(TimeSpan.FromSeconds(20)).StepWithoutApplying(Fresh(Pending, 50));
        var nextPeriod = driver.After(TimeSpan.FromSeconds(21)).StepWithoutApplying(Fresh(Pending, 50));

        Assert.Equal([3, 3, 3, 5], new[] { first, onItsWay, arrived, nextPeriod });
    }

    [Fact]
    public void Decide_ObservedCountLagsAScaleDown_AnswerHeldNotFlapping()
    {
        var driver = new EngineDriver(Plain(PendingSpec()) with { ScaleDown = new ScalingRules(TimeSpan.Zero, ScalingRules.DefaultDown.Limits) }) { Current = 5 };

        var answers = new List<int> { driver.StepWithoutApplying(Fresh(Pending, 5)) };
        for (var i = 0; i < 4; i++)
        {
            answers.Add(driver.After(TimeSpan.FromSeconds(5)).StepWithoutApplying(Fresh(Pending, 5)));
        }

        // One pod per 2 minutes: 4, and 4 again while the observed count is still 5 (it used to say 5 again).
        Assert.All(answers, a => Assert.Equal(4, a));
    }

    [Fact]
    public void Decide_SomeoneElseScaledPastTheAnswer_ObservedCountWins()
    {
        // Asked 3 from 1; then the workload shows 8 (a manual scale): limits count from 8, not from the answer.
        var driver = new EngineDriver(Plain(PendingSpec()) with { ScaleDown = new ScalingRules(TimeSpan.Zero, ScalingRules.DefaultDown.Limits) }) { Current = 1 };

        driver.StepWithoutApplying(Fresh(Pending, 15));
        driver.Current = 8;
        var answer = driver.After(TimeSpan.FromSeconds(5)).StepWithoutApplying(Fresh(Pending, 15));

        // From 8, one pod per 2 minutes, less the 2 the engine itself added in the period (HPA accounting): 5.
        // Counting from the answer (3) instead would drop 5 pods at once.
        Assert.Equal(5, answer);
    }

    [Fact]
    public void Decide_AnswerNeverApplied_ObservedCountTrustedAfterApplyWithin()
    {
        var driver = new EngineDriver(Plain(PendingSpec()) with { ScaleDown = new ScalingRules(TimeSpan.Zero, ScalingRules.DefaultDown.Limits) }) { Current = 5 };

        driver.StepWithoutApplying(Fresh(Pending, 5));
        var stillWaiting = driver.After(DecisionEngine.ApplyWithin - TimeSpan.FromSeconds(1)).StepWithoutApplying(Fresh(Pending, 5));
        var gaveUp = driver.After(TimeSpan.FromSeconds(2)).StepWithoutApplying(Fresh(Pending, 5));

        // Held at 4 while the HPA might still apply it; then counted from the 5 that stayed: 4 again, not 3
        // (counting from the unapplied answer would take a second pod away).
        Assert.Equal((4, 4), (stillWaiting, gaveUp));
    }

    [Fact]
    public void Decide_ObservedCountStuckPastApplyWithin_AnswerStaysNotFlapping()
    {
        // A quota keeps the workload at 1 for minutes: the answer stays 3, and repeating it spends no limit.
        var driver = new EngineDriver(Plain(PendingSpec()) with { ScaleUp = ScalingRules.DefaultUp }) { Current = 1 };

        var answers = new List<int> { driver.StepWithoutApplying(Fresh(Pending, 15)) };
        for (var i = 0; i < 60; i++)
        {
            answers.Add(driver.After(TimeSpan.FromSeconds(5)).StepWithoutApplying(Fresh(Pending, 15)));
        }

        Assert.All(answers, a => Assert.Equal(3, a));
        Assert.InRange(driver.State.ScaleEvents.Length, 0, 1);
    }
}
