using Scaler.Decisions;
using static Scaler.Tests.Decisions.EngineFixture;

namespace Scaler.Tests.Decisions;

/// <summary>Policy validation: every error collected, each naming its field (front doors report them as they are).</summary>
public class ScalingPolicyTests
{
    [Fact]
    public void Validate_Defaults_AreTheDesignsAndValid()
    {
        var policy = new ScalingPolicy { Signals = [PendingSpec(), GpuSpec()] };

        Assert.Empty(policy.Validate());
        Assert.Equal(TimeSpan.Zero, policy.ScaleUp.StabilizationWindow);
        Assert.Equal(TimeSpan.FromSeconds(300), policy.ScaleDown.StabilizationWindow);
        Assert.Equal(new RateLimit(RateLimitKind.Pods, 2, TimeSpan.FromSeconds(60)), Assert.Single(policy.ScaleUp.Limits));
        Assert.Equal(new RateLimit(RateLimitKind.Pods, 1, TimeSpan.FromSeconds(120)), Assert.Single(policy.ScaleDown.Limits));
        Assert.Equal(0.1, policy.Tolerance);
        Assert.Null(policy.FallbackReplicas);
    }

    [Theory]
    // no signals
    [InlineData("signals", "signals: at least one signal is required")]
    // a zero target would divide by zero
    [InlineData("target", "signals.pending.target: must be a positive number, got 0")]
    // duplicate names cannot be matched to readings
    [InlineData("duplicate", "signals.pending: the name is used twice")]
    // min above max
    [InlineData("min", "minReplicas: must not exceed maxReplicas (5 > 3)")]
    // a fallback of 0 would scale to zero on failure
    [InlineData("fallback", "fallbackReplicas: must be between 1 and maxReplicas (10), got 0")]
    // tolerance 1 would never scale
    [InlineData("tolerance", "tolerance: must be in [0, 1), got 1")]
    // HPA allows stabilization windows up to one hour
    [InlineData("window", "scaleDown.stabilizationWindow: must be between 0 and 1h, got 02:00:00")]
    // negative rate-limit values
    [InlineData("limit", "scaleUp.limits: value must be positive, got 0")]
    public void Validate_BadField_NamesIt(string field, string expected)
    {
        var good = new ScalingPolicy { Signals = [PendingSpec(), GpuSpec()] };
        var policy = field switch
        {
            "signals" => good with { Signals = [] },
            "target" => good with { Signals = [PendingSpec(0)] },
            "duplicate" => good with { Signals = [PendingSpec(), PendingSpec()] },
            "min" => good with { MinReplicas = 5, MaxReplicas = 3, IdleReplicas = 0 },
            "fallback" => good with { FallbackReplicas = 0 },
            "tolerance" => good with { Tolerance = 1 },
            "window" => good with { ScaleDown = good.ScaleDown with { StabilizationWindow = TimeSpan.FromHours(2) } },
            "limit" => good with { ScaleUp = good.ScaleUp with { Limits = [new RateLimit(RateLimitKind.Pods, 0, TimeSpan.FromSeconds(60))] } },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        Assert.Contains(expected, policy.Validate());
    }

    [Fact]
    public void Validate_SeveralProblems_CollectsEveryOne()
    {
        var policy = new ScalingPolicy { Signals = [PendingSpec(-1)], MinReplicas = -1, MaxReplicas = 0, Tolerance = -0.5 };

        Assert.True(policy.Validate().Count >= 4, string.Join("\n", policy.Validate()));
    }
}
