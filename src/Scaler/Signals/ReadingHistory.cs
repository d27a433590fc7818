using System.Globalization;
using System.Runtime.CompilerServices;
using Scaler.Decisions;

namespace Scaler.Signals;

/// <summary>
/// What the reads of one key learned: its last good reading and its last failure. Immutable and pure (time is
/// an argument): <see cref="Apply"/> folds in a read, <see cref="Snapshot"/> ages the last good value into
/// fresh, stale or unavailable by the source's <see cref="SignalSourceOptions.StaleAfter"/> and
/// <see cref="SignalSourceOptions.UnavailableAfter"/>.
/// </summary>
internal sealed record ReadingHistory(Reading? Good, Reading? Failure, bool Answered)
{
    public const string FirstReadInProgress = "first read in progress";

    public static ReadingHistory Initial { get; } = new(null, null, false);

    /// <summary>The history after <paramref name="reading"/>, and how its failing state changed.</summary>
    public (ReadingHistory Next, ReadingTransition Transition) Apply(Reading reading, DateTimeOffset now)
    {
        var wasFailing = Failure is not null;
        if (reading.IsUsable)
        {
            var good = reading.ObservedAt is null ? reading with { ObservedAt = now } : reading;
            return (new ReadingHistory(good, null, true), wasFailing && Answered ? ReadingTransition.Recovered : ReadingTransition.None);
        }

        var failed = reading with { Reason = reading.Reason ?? "no value" };
        return (new ReadingHistory(Good, failed, true), wasFailing ? ReadingTransition.StillFailing : ReadingTransition.StartedFailing);
    }

    /// <summary>What a watcher would see differently from <paramref name="before"/>: the first answer, failing or not, the kind of failure, the value, the coverage.</summary>
    public bool DiffersFrom(ReadingHistory before)
    {
        if (!before.Answered || (before.Failure is null) != (Failure is null))
        {
            return true;
        }

        if (Failure is { } failure)
        {
            return failure.Failure != before.Failure!.Failure || failure.Status != before.Failure.Status;
        }

        var (was, now) = (before.Good!, Good!);
        return !was.Value.Equals(now.Value)
            || was.Status != now.Status
            || was.Coverage?.Answered != now.Coverage?.Answered
            || was.Coverage?.Expected != now.Coverage?.Expected;
    }

    /// <summary>The reading to serve at <paramref name="now"/>.</summary>
    public Reading Snapshot(DateTimeOffset now, SignalSourceOptions options)
    {
        if (Good is not { ObservedAt: { } goodAt } good)
        {
            return Failure is { } failure ? failure with { ObservedAt = null } : Reading.Unavailable(FirstReadInProgress);
        }

        var age = now - goodAt;
        if (age > options.UnavailableAfter)
        {
            var why = Failure?.Reason ?? "no read has completed since";
            return Reading.Unavailable(Failure?.Failure ?? ReadFailure.Timeout, Invariant($"no good value for {age.TotalSeconds:0.#} s (limit {options.UnavailableAfter.TotalSeconds:0.#} s): {why}"), goodAt);
        }

        if (Failure is { } failed)
        {
            return good with { Status = SignalStatus.Stale, Reason = Invariant($"last read failed: {failed.Reason}; serving the value from {age.TotalSeconds:0.#} s ago"), Failure = failed.Failure };
        }

        if (age > options.StaleAfter)
        {
            return good with { Status = SignalStatus.Stale, Reason = Invariant($"no read has completed for {age.TotalSeconds:0.#} s; serving the last good value"), Failure = ReadFailure.Timeout };
        }

        return good;
    }

    private static string Invariant(ref DefaultInterpolatedStringHandler handler) => string.Create(CultureInfo.InvariantCulture, ref handler);
}
