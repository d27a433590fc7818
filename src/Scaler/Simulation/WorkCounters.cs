namespace Scaler.Simulation;

/// <summary>
/// Monotonic counters of the work served, as vLLM exposes them (<c>vllm:request_success_total</c>,
/// <c>vllm:prompt_tokens_total</c>, <c>vllm:generation_tokens_total</c>, and the sum and count of
/// <c>vllm:inter_token_latency_seconds</c>), summed over replicas.
/// </summary>
internal readonly record struct WorkCounters(long FinishedRequests, long PromptTokens, long GenerationTokens)
{
    /// <summary>Sum of inter-token latencies, seconds (each decoded token adds the step that made it).</summary>
    public double InterTokenSeconds { get; init; }

    /// <summary>Inter-token latencies counted.</summary>
    public long InterTokenCount { get; init; }

    public static WorkCounters operator +(WorkCounters a, WorkCounters b) =>
        new(a.FinishedRequests + b.FinishedRequests, a.PromptTokens + b.PromptTokens, a.GenerationTokens + b.GenerationTokens)
        {
            InterTokenSeconds = a.InterTokenSeconds + b.InterTokenSeconds,
            InterTokenCount = a.InterTokenCount + b.InterTokenCount,
        };
}
