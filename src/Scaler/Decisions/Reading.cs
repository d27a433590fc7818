namespace Scaler.Decisions;

/// <summary>
/// What one read of one signal learned: what sources produce and the engine decides on. A failure is data:
/// an unavailable reading has no value (NaN), carries why, and is never 0.
/// </summary>
/// <param name="Status">Fresh (read this round), stale (the last good value, the source failing since), or unavailable.</param>
/// <param name="Value">The value; NaN when unavailable.</param>
/// <param name="ObservedAt">When the value was observed (for unavailable: the last good observation, if any).</param>
/// <param name="Reason">Why the reading is not fresh, in words an operator can act on; never holds a credential.</param>
/// <param name="Coverage">For readings aggregated over many targets (GPU fleet, pod scrapes): how many answered.</param>
internal sealed record Reading(SignalStatus Status, double Value, DateTimeOffset? ObservedAt, string? Reason = null, Coverage? Coverage = null)
{
    public static Reading Fresh(double value, DateTimeOffset observedAt, Coverage? coverage = null) =>
        new(SignalStatus.Fresh, value, observedAt, null, coverage);

    /// <summary>The last good value, served while its source fails.</summary>
    public static Reading Stale(double lastValue, DateTimeOffset observedAt, string? reason = null) =>
        new(SignalStatus.Stale, lastValue, observedAt, reason);

    public static Reading Unavailable(string? reason, DateTimeOffset? lastObservedAt = null) =>
        new(SignalStatus.Unavailable, double.NaN, lastObservedAt, reason);

    /// <summary>An unavailable reading with the kind of failure, so self-metrics count it under a closed set of reasons.</summary>
    public static Reading Unavailable(ReadFailure failure, string reason, DateTimeOffset? lastObservedAt = null) =>
        new(SignalStatus.Unavailable, double.NaN, lastObservedAt, reason) { Failure = failure };

    /// <summary>Why the reading is not fresh, as one of a closed set (the <c>reason</c> label of the error metric); null when fresh or unknown.</summary>
    public ReadFailure? Failure { get; init; }

    /// <summary>
    /// For readings of a source that reads pods one by one: the value of each pod that answered, ordered by
    /// pod name (a pod without a value is absent, never 0); null otherwise. The engine decides on
    /// <see cref="Value"/>; the custom metrics API serves these per pod.
    /// </summary>
    public IReadOnlyList<PodValue>? PerPod { get; init; }

    public bool IsUsable => Status != SignalStatus.Unavailable && double.IsFinite(Value);
}
