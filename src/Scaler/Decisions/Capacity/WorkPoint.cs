namespace Scaler.Decisions.Capacity;

/// <summary>The work counters and gauges at one instant, with the ready replicas then: a point of the rate window.</summary>
internal readonly record struct WorkPoint(DateTimeOffset At, double Requests, double PromptTokens, double GenerationTokens, double Running, double InFlight, double? KvCacheUse, int Ready)
{
    public double? InterTokenSeconds { get; init; }

    public double? InterTokenCount { get; init; }
}
