using System.Collections.Immutable;

namespace Scaler.Decisions;

/// <summary>
/// The engine's memory of one workload: immutable, returned with each decision, passed back with the next.
/// Front doors keep one per trigger; the simulator keeps one per policy.
/// </summary>
internal sealed record EngineState
{
    public static EngineState Initial { get; } = new();

    /// <summary>Recommendations (after tiers and failure rules) within the longest stabilization window.</summary>
    public ImmutableArray<TimedCount> Recommendations { get; init; } = [];

    /// <summary>Changes the engine asked for (signed), within the longest rate-limit period.</summary>
    public ImmutableArray<TimedCount> ScaleEvents { get; init; } = [];

    /// <summary>Since when the workload has been inactive; null while active or before the first decision.</summary>
    public DateTimeOffset? InactiveSince { get; init; }

    /// <summary>Signal values at the last scale-up, for the warming gate.</summary>
    public ImmutableArray<SignalMark> ScaleUpMarks { get; init; } = [];

    /// <summary>The count the engine last answered; null before the first decision.</summary>
    public int? Requested { get; init; }

    /// <summary>The observed count when the engine first answered <see cref="Requested"/>.</summary>
    public int? RequestedFrom { get; init; }

    /// <summary>What capacity sizing remembers (rates, request mix, learned profile, bursts); null when it is off.</summary>
    public Capacity.CapacityState? Capacity { get; init; }

    /// <summary>Since when <see cref="Requested"/> has been the answer.</summary>
    public DateTimeOffset? RequestedSince { get; init; }
}
