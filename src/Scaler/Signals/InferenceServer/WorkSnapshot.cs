namespace Scaler.Signals.InferenceServer;

/// <summary>A workload's work figures after one scrape (a null figure was not exposed by its pods).</summary>
internal sealed record WorkSnapshot(
    DateTimeOffset At,
    double Requests,
    double PromptTokens,
    double GenerationTokens,
    double Running,
    double Waiting,
    double? KvCacheUse,
    double ArrivalPeak,
    double? InterTokenSeconds,
    double? InterTokenCount)
{
    /// <summary>The value of one figure; null when the pods do not expose it.</summary>
    public double? Value(WorkMetric metric) => metric switch
    {
        WorkMetric.Requests => Requests,
        WorkMetric.PromptTokens => PromptTokens,
        WorkMetric.GenerationTokens => GenerationTokens,
        WorkMetric.Running => Running,
        WorkMetric.Waiting => Waiting,
        WorkMetric.KvCacheUse => KvCacheUse,
        WorkMetric.ArrivalPeak => ArrivalPeak,
        WorkMetric.InterTokenSeconds => InterTokenSeconds,
        WorkMetric.InterTokenCount => InterTokenCount,
        _ => null,
    };
}
