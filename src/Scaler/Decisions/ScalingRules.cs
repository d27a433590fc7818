using System.Collections.Immutable;

namespace Scaler.Decisions;

/// <summary>Stabilization window and rate limits for one direction, with Kubernetes HPA semantics.</summary>
/// <param name="StabilizationWindow">
/// Scale up: the lowest recommendation within the window wins. Scale down: the highest wins.
/// </param>
/// <param name="Limits">Rate limits; empty means unlimited.</param>
/// <param name="Select">How the limits combine.</param>
internal sealed record ScalingRules(TimeSpan StabilizationWindow, ImmutableArray<RateLimit> Limits, SelectPolicy Select = SelectPolicy.Max)
{
    /// <summary>Default scale-up: no stabilization, at most 2 pods per 60 s (the monitoring design).</summary>
    public static ScalingRules DefaultUp { get; } =
        new(TimeSpan.Zero, [new RateLimit(RateLimitKind.Pods, 2, TimeSpan.FromSeconds(60))]);

    /// <summary>Default scale-down: 300 s stabilization, at most 1 pod per 120 s (the monitoring design).</summary>
    public static ScalingRules DefaultDown { get; } =
        new(TimeSpan.FromSeconds(300), [new RateLimit(RateLimitKind.Pods, 1, TimeSpan.FromSeconds(120))]);

    /// <summary>Kubernetes' defaulted scale-up: no stabilization, max(4 pods, 100%) per 15 s.</summary>
    public static ScalingRules KubernetesUp { get; } = new(TimeSpan.Zero,
        [new RateLimit(RateLimitKind.Pods, 4, TimeSpan.FromSeconds(15)), new RateLimit(RateLimitKind.Percent, 100, TimeSpan.FromSeconds(15))]);

    /// <summary>Kubernetes' defaulted scale-down: 300 s stabilization, 100% per 15 s.</summary>
    public static ScalingRules KubernetesDown { get; } = new(TimeSpan.FromSeconds(300),
        [new RateLimit(RateLimitKind.Percent, 100, TimeSpan.FromSeconds(15))]);
}
