using System.Globalization;

namespace Scaler.Tests.Signals.InferenceServer;

/// <summary>
/// /metrics documents in each model server's own format (names, HELP/TYPE lines, labels and float
/// rendering as the servers write them: Python's prometheus_client for vLLM, Triton's C++ client, TGI's
/// Rust exporter), trimmed to a few series around the ones the source reads.
/// </summary>
internal static class ModelServerMetrics
{
    private const string Llama = "meta-llama/Llama-3.1-8B-Instruct";

    public static string Vllm(double waiting, double running) => string.Create(CultureInfo.InvariantCulture, $$"""
        # HELP vllm:num_requests_running Number of requests in model execution batches.
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{engine="0",model_name="{{Llama}}"} {{running:0.0}}
        # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting{engine="0",model_name="{{Llama}}"} {{waiting:0.0}}
        # HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
        # TYPE vllm:kv_cache_usage_perc gauge
        vllm:kv_cache_usage_perc{engine="0",model_name="{{Llama}}"} 0.4213
        # HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
        # TYPE vllm:time_to_first_token_seconds histogram
        vllm:time_to_first_token_seconds_sum{engine="0",model_name="{{Llama}}"} 12.5
        vllm:time_to_first_token_seconds_bucket{engine="0",le="0.001",model_name="{{Llama}}"} 0.0
        vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="{{Llama}}"} 40.0
        vllm:time_to_first_token_seconds_count{engine="0",model_name="{{Llama}}"} 40.0
        # HELP vllm:num_preemptions_total Cumulative number of preemption from the engine.
        # TYPE vllm:num_preemptions_total counter
        vllm:num_preemptions_total{engine="0",model_name="{{Llama}}"} 0.0

        """);

    /// <summary>vLLM with its work counters: finished requests by reason, token counters, the inter-token latency histogram.</summary>
    public static string VllmWork(double finished, double prompt, double generated, double running, double waiting, double? kv, double itlSeconds, double itlCount)
    {
        var c = CultureInfo.InvariantCulture;
        var kvLines = kv is { } use
            ? $"# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.\n# TYPE vllm:kv_cache_usage_perc gauge\nvllm:kv_cache_usage_perc{{engine=\"0\",model_name=\"{Llama}\"}} {use.ToString(c)}\n"
            : "";
        return string.Create(c, $$"""
            # HELP vllm:num_requests_running Number of requests in model execution batches.
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{engine="0",model_name="{{Llama}}"} {{running:0.0}}
            # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
            # TYPE vllm:num_requests_waiting gauge
            vllm:num_requests_waiting{engine="0",model_name="{{Llama}}"} {{waiting:0.0}}
            {{kvLines}}# HELP vllm:request_success_total Count of successfully processed requests.
            # TYPE vllm:request_success_total counter
            vllm:request_success_total{engine="0",finished_reason="stop",model_name="{{Llama}}"} {{finished * 0.75}}
            vllm:request_success_total{engine="0",finished_reason="length",model_name="{{Llama}}"} {{finished * 0.25}}
            vllm:request_success_total{engine="0",finished_reason="abort",model_name="{{Llama}}"} 0.0
            # HELP vllm:prompt_tokens_total Number of prefill tokens processed.
            # TYPE vllm:prompt_tokens_total counter
            vllm:prompt_tokens_total{engine="0",model_name="{{Llama}}"} {{prompt:0.0}}
            # HELP vllm:generation_tokens_total Number of generation tokens processed.
            # TYPE vllm:generation_tokens_total counter
            vllm:generation_tokens_total{engine="0",model_name="{{Llama}}"} {{generated:0.0}}
            # HELP vllm:inter_token_latency_seconds Histogram of inter-token latency in seconds.
            # TYPE vllm:inter_token_latency_seconds histogram
            vllm:inter_token_latency_seconds_sum{engine="0",model_name="{{Llama}}"} {{itlSeconds}}
            vllm:inter_token_latency_seconds_bucket{engine="0",le="0.01",model_name="{{Llama}}"} 0.0
            vllm:inter_token_latency_seconds_bucket{engine="0",le="+Inf",model_name="{{Llama}}"} {{itlCount:0.0}}
            vllm:inter_token_latency_seconds_count{engine="0",model_name="{{Llama}}"} {{itlCount:0.0}}

            """);
    }

    public static string Triton(int llama, int embedder) => string.Create(CultureInfo.InvariantCulture, $$"""
        # HELP nv_inference_request_success Number of successful inference requests, all batch sizes
        # TYPE nv_inference_request_success counter
        nv_inference_request_success{model="llama",version="1"} 1234
        nv_inference_request_success{model="embedder",version="1"} 98
        # HELP nv_inference_pending_request_count Instantaneous number of pending requests awaiting execution per-model.
        # TYPE nv_inference_pending_request_count gauge
        nv_inference_pending_request_count{model="ensemble",version="1"} 0
        nv_inference_pending_request_count{model="llama",version="1"} {{llama}}
        nv_inference_pending_request_count{model="embedder",version="1"} {{embedder}}
        # HELP nv_inference_queue_duration_us Cumulative inference queuing duration in microseconds (includes cached requests)
        # TYPE nv_inference_queue_duration_us counter
        nv_inference_queue_duration_us{model="llama",version="1"} 5593201
        # HELP nv_gpu_utilization GPU utilization rate [0.0 - 1.0)
        # TYPE nv_gpu_utilization gauge
        nv_gpu_utilization{gpu_uuid="GPU-5fb1d4a5-2d0b-ed34-c1a3-c1e8b0e25ec8"} 0.87
        """);

    public static string Tgi(int queue, int batch) => string.Create(CultureInfo.InvariantCulture, $$"""
        # TYPE tgi_request_count counter
        tgi_request_count 3071
        # TYPE tgi_queue_size gauge
        tgi_queue_size {{queue}}
        # TYPE tgi_batch_current_size gauge
        tgi_batch_current_size {{batch}}
        # TYPE tgi_batch_current_max_tokens gauge
        tgi_batch_current_max_tokens 18000
        # TYPE tgi_request_queue_duration histogram
        tgi_request_queue_duration_bucket{le="0.005"} 2981
        tgi_request_queue_duration_bucket{le="+Inf"} 3071
        tgi_request_queue_duration_sum 41.27
        tgi_request_queue_duration_count 3071
        """);
}
