namespace Scaler.Signals.InferenceServer;

/// <summary>One of the work figures capacity sizing reads from the model servers (docs/decisions.md).</summary>
internal enum WorkMetric
{
    /// <summary>Finished requests, a monotonic total over every pod that ever ran.</summary>
    Requests,

    /// <summary>Prompt tokens processed, a monotonic total.</summary>
    PromptTokens,

    /// <summary>Tokens generated, a monotonic total.</summary>
    GenerationTokens,

    /// <summary>Requests running, summed over ready pods.</summary>
    Running,

    /// <summary>Requests waiting, summed over ready pods.</summary>
    Waiting,

    /// <summary>KV-cache use, 0..1, the mean over ready pods.</summary>
    KvCacheUse,

    /// <summary>Most requests that arrived within any two seconds of the last minute, counted from consecutive scrapes.</summary>
    ArrivalPeak,

    /// <summary>Sum of inter-token latencies in seconds, a monotonic total.</summary>
    InterTokenSeconds,

    /// <summary>Inter-token latencies counted, a monotonic total.</summary>
    InterTokenCount,
}
