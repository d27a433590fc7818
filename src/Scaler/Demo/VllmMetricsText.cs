using System.Globalization;
using System.Text;
using Scaler.Simulation;

namespace Scaler.Demo;

/// <summary>
/// One simulated vLLM replica's <c>/metrics</c> in the Prometheus text format with vLLM's own metric names
/// and labels (docs.vllm.ai "Production Metrics"): the work counters, the running and waiting gauges, KV-cache
/// use, and the inter-token latency histogram's sum and count.
/// </summary>
internal static class VllmMetricsText
{
    public const string Model = "llama";

    public static string Render(VllmReplica replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        var c = CultureInfo.InvariantCulture;
        var counters = replica.Counters;
        var labels = $"engine=\"0\",model_name=\"{Model}\"";
        var text = new StringBuilder(2048);
        Family(text, "vllm:num_requests_running", "gauge", "Number of requests in model execution batches.");
        text.AppendLine(c, $"vllm:num_requests_running{{{labels}}} {replica.Running}");
        Family(text, "vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.");
        text.AppendLine(c, $"vllm:num_requests_waiting{{{labels}}} {replica.Waiting}");
        Family(text, "vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.");
        text.AppendLine(c, $"vllm:kv_cache_usage_perc{{{labels}}} {replica.KvCacheUsage:0.######}");
        Family(text, "vllm:request_success_total", "counter", "Count of successfully processed requests.");
        text.AppendLine(c, $"vllm:request_success_total{{{labels},finished_reason=\"stop\"}} {counters.FinishedRequests}");
        Family(text, "vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.");
        text.AppendLine(c, $"vllm:prompt_tokens_total{{{labels}}} {counters.PromptTokens}");
        Family(text, "vllm:generation_tokens_total", "counter", "Number of generation tokens processed.");
        text.AppendLine(c, $"vllm:generation_tokens_total{{{labels}}} {counters.GenerationTokens}");
        Family(text, "vllm:inter_token_latency_seconds", "histogram", "Histogram of inter-token latency in seconds.");
        text.AppendLine(c, $"vllm:inter_token_latency_seconds_bucket{{{labels},le=\"+Inf\"}} {counters.InterTokenCount}");
        text.AppendLine(c, $"vllm:inter_token_latency_seconds_sum{{{labels}}} {counters.InterTokenSeconds:0.######}");
        text.AppendLine(c, $"vllm:inter_token_latency_seconds_count{{{labels}}} {counters.InterTokenCount}");
        return text.ToString();
    }

    private static void Family(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').AppendLine(help).Append("# TYPE ").Append(name).Append(' ').AppendLine(type);
}
