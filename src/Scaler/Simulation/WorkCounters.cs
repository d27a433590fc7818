namespace Scaler.Simulation;

/// <summary>
/// Monotonic counters of the work served, as vLLM exposes them (<c>vllm:request_success_total</c>,
/// <c>vllm:prompt_tokens_total</c>, <c>vllm:generation_tokens_total</c>), summed over replicas.
/// </summary>
internal readonly record struct WorkCounters(long FinishedRequests, long PromptTokens, long GenerationTokens)
{
    public static WorkCounters operator +(WorkCounters a, WorkCounters b) =>
        new(a.FinishedRequests + b.FinishedRequests, a.PromptTokens + b.PromptTokens, a.GenerationTokens + b.GenerationTokens);
}
