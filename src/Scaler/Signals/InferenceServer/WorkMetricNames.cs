namespace Scaler.Signals.InferenceServer;

/// <summary>
/// The metric names a server exposes for each work figure (vLLM "Production Metrics"; TGI
/// "reference/metrics"). A name may have an older spelling the server used before; the first one present
/// counts. Triton exposes no token counters, so capacity sizing cannot read it.
/// </summary>
/// <param name="Requests">Finished requests (a counter; summed over its labels).</param>
/// <param name="PromptTokens">Prompt tokens (a counter, or a histogram's <c>_sum</c>).</param>
/// <param name="GenerationTokens">Generated tokens (a counter, or a histogram's <c>_sum</c>).</param>
/// <param name="Running">Requests running (a gauge).</param>
/// <param name="Waiting">Requests waiting (a gauge).</param>
/// <param name="KvCacheUse">KV-cache use, 0..1 (a gauge), newest spelling first; empty when the server has none.</param>
/// <param name="InterTokenSeconds">Inter-token latency sum, newest spelling first.</param>
/// <param name="InterTokenCount">Inter-token latency count, in the same order.</param>
internal sealed record WorkMetricNames(
    string Requests,
    string PromptTokens,
    string GenerationTokens,
    string Running,
    string Waiting,
    IReadOnlyList<string> KvCacheUse,
    IReadOnlyList<string> InterTokenSeconds,
    IReadOnlyList<string> InterTokenCount)
{
    /// <summary>vLLM: <c>vllm:*</c>; KV use was <c>vllm:gpu_cache_usage_perc</c> and the inter-token latency <c>vllm:time_per_output_token_seconds</c> in older releases.</summary>
    public static WorkMetricNames Vllm { get; } = new(
        "vllm:request_success_total",
        "vllm:prompt_tokens_total",
        "vllm:generation_tokens_total",
        "vllm:num_requests_running",
        "vllm:num_requests_waiting",
        ["vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"],
        ["vllm:inter_token_latency_seconds_sum", "vllm:time_per_output_token_seconds_sum"],
        ["vllm:inter_token_latency_seconds_count", "vllm:time_per_output_token_seconds_count"]);

    /// <summary>
    /// TGI: token totals are the sums of its length histograms; its inter-token figure is each request's mean
    /// time per token; it exposes no KV-cache use (the KV guard is then off).
    /// </summary>
    public static WorkMetricNames Tgi { get; } = new(
        "tgi_request_success",
        "tgi_request_input_length_sum",
        "tgi_request_generated_tokens_sum",
        "tgi_batch_current_size",
        "tgi_queue_size",
        [],
        ["tgi_request_mean_time_per_token_duration_sum"],
        ["tgi_request_mean_time_per_token_duration_count"]);

    /// <summary>The names for <paramref name="server"/>; null when it exposes no token counters.</summary>
    public static WorkMetricNames? For(InferenceServerKind server) => server switch
    {
        InferenceServerKind.Vllm => Vllm,
        InferenceServerKind.Tgi => Tgi,
        _ => null,
    };
}
