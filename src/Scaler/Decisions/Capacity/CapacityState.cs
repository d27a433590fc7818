using System.Collections.Immutable;

namespace Scaler.Decisions.Capacity;

/// <summary>
/// What capacity sizing remembers of one workload between decisions: the last minute of counter points
/// (for rates), the request mix, the learned profile, and the burst peaks of the look-back. Immutable.
/// </summary>
internal sealed record CapacityState
{
    public static CapacityState Initial { get; } = new();

    /// <summary>Counter points of the last minute, oldest first, at least five seconds apart.</summary>
    public ImmutableArray<WorkPoint> Points { get; init; } = [];

    /// <summary>Mean prompt tokens per request; null until requests have finished.</summary>
    public double? MeanPrompt { get; init; }

    /// <summary>Mean generated tokens per request; null until requests have finished.</summary>
    public double? MeanOutput { get; init; }

    /// <summary>The learned profile; null until the first decision (then it starts at the policy's profile).</summary>
    public ProfileEstimate? Estimate { get; init; }

    /// <summary>The point the current estimation interval started at.</summary>
    public WorkPoint? IntervalStart { get; init; }

    /// <summary>Since when the queue has been past its guard; null while it is not.</summary>
    public DateTimeOffset? QueueSince { get; init; }

    /// <summary>Peak arrivals per minute over the look-back, oldest first.</summary>
    public ImmutableArray<BurstPeak> Bursts { get; init; } = [];
}
