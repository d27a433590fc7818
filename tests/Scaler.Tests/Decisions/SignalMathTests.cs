using Scaler.Decisions;
using static Scaler.Tests.Decisions.EngineFixture;

namespace Scaler.Tests.Decisions;

/// <summary>Per-signal proposals with Kubernetes HPA semantics, and how they combine.</summary>
public class SignalMathTests
{
    [Theory]
    // total: ceil(50 / 5) = 10
    [InlineData(50, 5, 4, 10)]
    // total: ratio 21 / (5 × 4) = 1.05 is within the 10% tolerance, keep 4
    [InlineData(21, 5, 4, 4)]
    // total: ratio 1.15 is outside the tolerance, ceil(23 / 5) = 5
    [InlineData(23, 5, 4, 5)]
    // total: ratio 17 / 25 = 0.68 is outside the tolerance downwards, ceil(17 / 5) = 4 of 5
    [InlineData(17, 5, 5, 4)]
    // total: from zero there is no ratio, ceil(3 / 5) = 1
    [InlineData(3, 5, 0, 1)]
    // total: one pending request asks for one replica
    [InlineData(1, 5, 3, 1)]
    public void Decide_TotalSignal_ProposesCeilOfTotalOverTarget(double value, double target, int current, int expected)
    {
        var decision = Decide(Plain(PendingSpec(target)), current, Fresh(Pending, value));

        Assert.Equal(expected, decision.DesiredReplicas);
    }

    [Theory]
    // average: ceil(4 × 0.9 / 0.7) = ceil(5.14) = 6
    [InlineData(0.9, 0.7, 4, 4, 6)]
    // average: 0.75 / 0.7 = 1.07 is within tolerance, keep 4
    [InlineData(0.75, 0.7, 4, 4, 4)]
    // average: 0.35 / 0.7 = 0.5, ceil(4 × 0.5) = 2
    [InlineData(0.35, 0.7, 4, 4, 2)]
    // average: exact multiples do not round up from float noise: 3 × 0.7 / 0.35 = 6
    [InlineData(0.7, 0.35, 3, 3, 6)]
    // average uses ready replicas only: ceil(2 × 1.0 / 0.7) = 3, but warming replicas never flip a scale-up into a scale-down: keep 4
    [InlineData(1.0, 0.7, 4, 2, 4)]
    // average with two warming of five: ceil(3 × 1.0 / 0.5) = 6
    [InlineData(1.0, 0.5, 5, 3, 6)]
    // average without ready replicas means nothing: hold
    [InlineData(1.0, 0.7, 3, 0, 3)]
    public void Decide_AverageSignal_ProposesCeilOfReadyTimesRatio(double value, double target, int current, int ready, int expected)
    {
        var decision = Decide(Plain(GpuSpec(target)), current, ready, Fresh(Gpu, value));

        Assert.Equal(expected, decision.DesiredReplicas);
    }

    [Theory]
    // pending says 10, gpu says 2: the maximum wins, driven by pending
    [InlineData(50, 0.35, 10, Pending)]
    // pending says 2, gpu says 6: the maximum wins, driven by gpu
    [InlineData(10, 1.0, 6, Gpu)]
    // both within tolerance of 4: keep 4, the first signal named
    [InlineData(20, 0.7, 4, Pending)]
    public void Decide_MaxCombination_TakesHighestProposalAndNamesIt(double pending, double gpu, int expected, string driver)
    {
        var decision = Decide(Plain(PendingSpec(), GpuSpec()), 4, Fresh(Pending, pending), Fresh(Gpu, gpu));

        Assert.Equal(expected, decision.DesiredReplicas);
        Assert.Equal(driver, decision.Explanation.DrivingSignal);
    }

    [Theory]
    // max: a saturated GPU adds replicas like any signal (an HPA): ceil(4 × 1.0 / 0.7) = 6
    [InlineData("Max", 10, 1.0, 6, false)]
    // hold-only: saturated GPU keeps the 4 replicas that pending (2) would drop, adds none
    [InlineData("HoldOnly", 10, 1.0, 4, true)]
    // hold-only: an idle GPU does not hold; pending's 2 wins
    [InlineData("HoldOnly", 10, 0.35, 2, false)]
    // hold-only: pending can still add replicas on its own: ceil(40 / 5) = 8
    [InlineData("HoldOnly", 40, 1.0, 8, false)]
    // hold, add with demand: pending (2) does not say short, so the GPU only holds 4
    [InlineData("HoldAndAddWithDemand", 10, 1.0, 4, true)]
    // hold, add with demand: pending says 5 > 4, so the GPU may size the step: 6
    [InlineData("HoldAndAddWithDemand", 25, 1.0, 6, false)]
    // ignore: the GPU never changes the result; pending's 2 wins
    [InlineData("Ignore", 10, 1.0, 2, false)]
    public void Decide_SaturationMode_ControlsHowGpuUtilizationTakesPart(string mode, double pending, double gpu, int expected, bool limited)
    {
        var policy = Plain(PendingSpec(), GpuSpec()) with { Saturation = Enum.Parse<SaturationMode>(mode) };

        var decision = Decide(policy, 4, Fresh(Pending, pending), Fresh(Gpu, gpu));

        Assert.Equal(expected, decision.DesiredReplicas);
        Assert.Equal(limited, decision.Explanation.Limited(Rule.Saturation));
    }

    [Fact]
    public void Decide_HugeValue_IsClampedToMaxWithoutOverflow()
    {
        var decision = Decide(Plain(PendingSpec(0.001)), 4, Fresh(Pending, 1e300));

        Assert.Equal(100, decision.DesiredReplicas);
        Assert.True(decision.Explanation.Limited(Rule.Bounds));
    }
}
