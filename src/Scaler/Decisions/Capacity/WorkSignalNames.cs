namespace Scaler.Decisions.Capacity;

/// <summary>
/// The names of the readings capacity sizing reads. Counters are monotonic totals over every replica that
/// ever ran (the source keeps them so across resets and pods that come and go); gauges are summed over
/// ready replicas except KV-cache use, their mean.
/// </summary>
internal sealed record WorkSignalNames
{
    /// <summary>Finished requests (vLLM <c>vllm:request_success_total</c>).</summary>
    public string Requests { get; init; } = "work.requests";

    /// <summary>Prompt tokens processed (<c>vllm:prompt_tokens_total</c>).</summary>
    public string PromptTokens { get; init; } = "work.prompt-tokens";

    /// <summary>Tokens generated (<c>vllm:generation_tokens_total</c>).</summary>
    public string GenerationTokens { get; init; } = "work.generation-tokens";

    /// <summary>Requests running (<c>vllm:num_requests_running</c>).</summary>
    public string Running { get; init; } = "work.running";

    /// <summary>Requests waiting (<c>vllm:num_requests_waiting</c>).</summary>
    public string Waiting { get; init; } = "work.waiting";

    /// <summary>Mean KV-cache use, 0..1 (<c>vllm:kv_cache_usage_perc</c>).</summary>
    public string KvCacheUse { get; init; } = "work.kv-cache";

    /// <summary>Most requests that arrived within any two seconds of the last minute (a windowed value from the source).</summary>
    public string ArrivalPeak { get; init; } = "work.arrival-peak";

    /// <summary>Sum of inter-token latencies, seconds (<c>vllm:inter_token_latency_seconds_sum</c>).</summary>
    public string InterTokenSeconds { get; init; } = "work.inter-token-seconds";

    /// <summary>Inter-token latencies counted (<c>vllm:inter_token_latency_seconds_count</c>).</summary>
    public string InterTokenCount { get; init; } = "work.inter-token-count";

    public IEnumerable<string> All => [Requests, PromptTokens, GenerationTokens, Running, Waiting, KvCacheUse, ArrivalPeak, InterTokenSeconds, InterTokenCount];

    /// <summary>Each figure of <paramref name="sample"/> under its name (null where unknown), for callers that hand the engine readings.</summary>
    public IEnumerable<(string Name, double? Value)> Of(WorkSample sample) =>
    [
        (Requests, sample.Requests), (PromptTokens, sample.PromptTokens), (GenerationTokens, sample.GenerationTokens),
        (Running, sample.Running), (Waiting, sample.Waiting), (KvCacheUse, sample.KvCacheUse), (ArrivalPeak, sample.ArrivalPeak),
        (InterTokenSeconds, sample.InterTokenSeconds), (InterTokenCount, sample.InterTokenCount),
    ];
}
