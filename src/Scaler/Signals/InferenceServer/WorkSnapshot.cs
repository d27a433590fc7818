using Scaler.Decisions;

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
    /// <summary>What each pod that answered the scrape said, ordered by pod name.</summary>
    public IReadOnlyList<(string Pod, WorkFigures Figures)> Pods { get; init; } = [];

    /// <summary>
    /// Each pod's value of a figure a pod holds now (running, waiting, KV-cache use); null for the totals and
    /// the arrival peak, which are the workload's. A pod without the figure is left out.
    /// </summary>
    public IReadOnlyList<PodValue>? PerPod(WorkMetric metric)
    {
        Func<WorkFigures, double?>? figure = metric switch
        {
            WorkMetric.Running => static f => f.Running,
            WorkMetric.Waiting => static f => f.Waiting,
            WorkMetric.KvCacheUse => static f => f.KvCacheUse,
            _ => null,
        };
        if (figure is null)
        {
            return null;
        }

        var values = new List<PodValue>(Pods.Count);
        foreach (var (pod, figures) in Pods)
        {
            if (figure(figures) is { } value)
            {
                values.Add(new PodValue(pod, value));
            }
        }

        return values;
    }

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
