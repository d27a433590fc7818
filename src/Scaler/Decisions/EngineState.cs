using System.Collections.Immutable;

namespace Scaler.Decisions;

/// <summary>
/// The engine's memory of one workload: immutable, returned with each decision, passed back with the next.
/// Front doors keep one per trigger; the simulator keeps one per policy.
/// </summary>
internal sealed record EngineState
{
    public static EngineState Initial { get; } = new();

    /// <summary>
    /// The state of a workload whose history was lost (a new leader, a restarted Scaler): nothing goes below the
    /// count in effect at its first decision until a full down-stabilization window has passed since
    /// <paramref name="at"/>, because the history that window needs is not known (the last decider may have
    /// been holding that count). Rate limits count from the count in effect.
    /// </summary>
    public static EngineState TakingOver(DateTimeOffset at) => new() { TakenOverAt = at };

    /// <summary>When the decider took this workload over without its history (<see cref="TakingOver"/>); null otherwise.</summary>
    public DateTimeOffset? TakenOverAt { get; init; }

    /// <summary>The count in effect at the first decision after <see cref="TakenOverAt"/>: the floor while the down window runs.</summary>
    public int? TakeOverFloor { get; init; }

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
