namespace Scaler.Signals;

/// <summary>How a key's failing state changed with one refresh, for the log.</summary>
internal enum ReadingTransition
{
    None,
    StartedFailing,
    StillFailing,
    Recovered,
}
