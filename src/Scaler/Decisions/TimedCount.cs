namespace Scaler.Decisions;

/// <summary>A count at a time (recommendations, scale events).</summary>
internal readonly record struct TimedCount(DateTimeOffset At, int Count);
