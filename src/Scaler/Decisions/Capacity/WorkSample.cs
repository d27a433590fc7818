namespace Scaler.Decisions.Capacity;

/// <summary>One observation of the work signals; a null field was unknown (never read as 0).</summary>
internal readonly record struct WorkSample(
    DateTimeOffset At,
    double? Requests,
    double? PromptTokens,
    double? GenerationTokens,
    double? Running,
    double? Waiting,
    double? KvCacheUse,
    double? ArrivalPeak)
{
    /// <summary>Sum of inter-token latencies, seconds (a counter); null when unknown.</summary>
    public double? InterTokenSeconds { get; init; }

    /// <summary>Inter-token latencies counted (a counter); null when unknown.</summary>
    public double? InterTokenCount { get; init; }

    /// <summary>The counters that rates need, all known.</summary>
    public bool HasCounters => Requests is not null && PromptTokens is not null && GenerationTokens is not null && Running is not null && Waiting is not null;

    /// <summary>Requests the replicas hold: running plus waiting.</summary>
    public double InFlight => (Running ?? 0) + (Waiting ?? 0);
}
