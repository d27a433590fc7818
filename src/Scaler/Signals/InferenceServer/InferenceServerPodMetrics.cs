using System.Globalization;
using Scaler.Signals.Kubernetes;

namespace Scaler.Signals.InferenceServer;

/// <summary>
/// The model servers' figures served per pod. Which server the pods run is a metric label (the HPA's
/// <c>metric.selector</c>: <c>matchLabels: {server: tgi}</c>), <c>vllm</c> when absent; <c>metricsPort</c>
/// overrides the server's port, as the trigger key does.
/// </summary>
internal static class InferenceServerPodMetrics
{
    public const string ServerLabel = "server";
    public const string PortLabel = "metricsPort";

    public static IEnumerable<PodMetric> All { get; } =
    [
        new("inference_queue_size", "requests waiting in the pod's model server (vLLM vllm:num_requests_waiting, Triton nv_inference_pending_request_count, TGI tgi_queue_size)", Queue)
        {
            Labels = [ServerLabel, PortLabel],
        },
        new("inference_requests_running", "requests the pod's model server is working on (vLLM vllm:num_requests_running, TGI tgi_batch_current_size)", Work(WorkMetric.Running))
        {
            Labels = [ServerLabel, PortLabel],
        },
        new("inference_kv_cache_usage", "the pod's KV-cache use, 0–1 (vLLM vllm:kv_cache_usage_perc; TGI has none)", Work(WorkMetric.KvCacheUse))
        {
            Labels = [ServerLabel, PortLabel],
        },
    ];

    private static InferenceQueueQuery? Queue(WorkloadRef pods, IReadOnlyDictionary<string, string> labels, out string? error)
    {
        var (server, port) = Read(labels, [InferenceServerKind.Vllm, InferenceServerKind.Triton, InferenceServerKind.Tgi], out error);
        return error is null ? new InferenceQueueQuery(pods, server) { MetricsPort = port } : null;
    }

    private static PodQueryFactory Work(WorkMetric metric) =>
        (WorkloadRef pods, IReadOnlyDictionary<string, string> labels, out string? error) =>
        {
            var (server, port) = Read(labels, [InferenceServerKind.Vllm, InferenceServerKind.Tgi], out error);
            return error is null ? new WorkQuery(pods, server, metric) { MetricsPort = port } : null;
        };

    private static (InferenceServerKind Server, int? Port) Read(IReadOnlyDictionary<string, string> labels, InferenceServerKind[] allowed, out string? error)
    {
        error = null;
        var server = InferenceServerKind.Vllm;
        if (labels.TryGetValue(ServerLabel, out var text))
        {
            var match = allowed.Where(k => string.Equals(k.ToString(), text, StringComparison.OrdinalIgnoreCase)).ToList();
            if (match.Count == 0)
            {
                error = $"metric label {ServerLabel}: expected {string.Join(" or ", allowed.Select(k => k.ToString().ToLowerInvariant()))}, got '{text}'";
                return default;
            }

            server = match[0];
        }

        int? port = null;
        if (labels.TryGetValue(PortLabel, out var portText))
        {
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed is < 1 or > 65535)
            {
                error = $"metric label {PortLabel}: expected a port number from 1 to 65535 such as 8000, got '{portText}'";
                return default;
            }

            port = parsed;
        }

        return (server, port);
    }
}
