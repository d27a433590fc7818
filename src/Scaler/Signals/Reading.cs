using Scaler.Decisions;

namespace Scaler.Signals;

/// <summary>
/// What one read of one source learned. A failure is data: an unavailable reading has no value (NaN),
/// carries why, and is never 0. The front doors hand readings to the engine as
/// <see cref="SignalReading"/>s (<see cref="ToSignal"/>).
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

    public static Reading Unavailable(string reason, DateTimeOffset? lastObservedAt = null) =>
        new(SignalStatus.Unavailable, double.NaN, lastObservedAt, reason);

    /// <summary>An unavailable reading with the kind of failure, so self-metrics count it under a closed set of reasons.</summary>
    public static Reading Unavailable(ReadFailure failure, string reason, DateTimeOffset? lastObservedAt = null) =>
        new(SignalStatus.Unavailable, double.NaN, lastObservedAt, reason) { Failure = failure };

    /// <summary>Why the reading is not fresh, as one of a closed set (the <c>reason</c> label of the error metric); null when fresh or unknown.</summary>
    public ReadFailure? Failure { get; init; }

    public bool IsUsable => Status != SignalStatus.Unavailable && double.IsFinite(Value);

    public SignalReading ToSignal(string name) => new(name, Status, Value, ObservedAt) { Reason = Reason };
}

/// <summary>How many of the targets behind an aggregated reading answered (partial coverage is reported, not hidden).</summary>
/// <param name="Answered">Targets that answered.</param>
/// <param name="Expected">Targets that should have.</param>
/// <param name="Missing">Up to a few of those that did not, with why (for the explanation).</param>
internal sealed record Coverage(int Answered, int Expected, IReadOnlyList<string> Missing)
{
    public bool IsPartial => Answered < Expected;
}
