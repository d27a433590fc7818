namespace Scaler.Decisions;

/// <summary>Whether a reading is current.</summary>
internal enum SignalStatus
{
    /// <summary>Observed in the current collection round.</summary>
    Fresh,

    /// <summary>The source failed this round; the value is the last good one, observed at <see cref="Reading.ObservedAt"/>.</summary>
    Stale,

    /// <summary>No usable value (source down, empty answer, never observed). Unknown is never 0.</summary>
    Unavailable,
}
