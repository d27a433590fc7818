using System.Text.RegularExpressions;
using Scaler.Signals.Keys;

namespace Scaler.Signals.InferenceServer;

/// <summary>
/// The keys of pending requests scraped from the workload's model-server pods: a preset (<c>server</c>) or a
/// custom gauge, port and path, and the pending-requests target and activation.
/// </summary>
internal sealed partial class InferenceServerTriggerKeys : ITriggerKeys
{
    public const string Server = "server";
    public const string PendingRequestsMetric = "pendingRequestsMetric";
    public const string MetricsPort = "metricsPort";
    public const string MetricsPath = "metricsPath";

    private static readonly DemandSignal PendingRequests = DemandSignal.PendingRequests;

    public IReadOnlyList<TriggerKey> Keys { get; } =
    [
        new(Server, "`vllm` \\| `triton` \\| `tgi`", "–", "vllm", "Signal `pending-requests` scraped from each ready pod's metrics (vLLM `vllm:num_requests_waiting` on 8000, Triton `nv_inference_pending_request_count` on 8002, TGI `tgi_queue_size` on 80).", "vllm, triton or tgi"),
        new(PendingRequestsMetric, "Prometheus metric name", "the server's", "queue_depth", "The pods' pending-requests gauge. Without `server` it is a custom server and `metricsPort` is required.", "a Prometheus metric name such as vllm:num_requests_waiting"),
        new(MetricsPort, "port", "the server's", "8000", "The pods' metrics port. Only with `server`/`pendingRequestsMetric`.", "a port number from 1 to 65535 such as 8000"),
        new(MetricsPath, "path", "`/metrics`", "/metrics", "The pods' metrics path. Only with `server`/`pendingRequestsMetric`.", "a path starting with '/' such as /metrics"),
        .. PendingRequests.Keys,
    ];

    public IReadOnlyList<string> SwitchKeys { get; } = [Server, PendingRequestsMetric];

    public string Usage => $"pending requests read from the pods ({Server} or {PendingRequestsMetric})";

    public string Example => $"pending requests from the pods ({Server}: vllm)";

    public bool ReadsPods => true;

    public void Parse(TriggerMetadataReader metadata, TriggerBuilder trigger)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(trigger);
        var query = ParseQuery(metadata, trigger);
        var identity = query is null ? "" : $"{PendingRequests.Name}|pods|{query.Server}|{query.PendingMetric}|{query.Port}|{query.MetricsPath}|{trigger.Workload.PodSelector}";
        PendingRequests.Add(metadata, trigger, query, identity);
    }

    private static InferenceQueueQuery? ParseQuery(TriggerMetadataReader metadata, TriggerBuilder trigger)
    {
        var kind = InferenceServerKind.Custom;
        if (metadata.Text(Server) is { } serverText)
        {
            InferenceServerKind? parsed = serverText.ToUpperInvariant() switch
            {
                "VLLM" => InferenceServerKind.Vllm,
                "TRITON" => InferenceServerKind.Triton,
                "TGI" => InferenceServerKind.Tgi,
                _ => null,
            };
            if (parsed is null)
            {
                metadata.Expected(Server);
                return null;
            }

            kind = parsed.Value;
        }

        var metric = metadata.Text(PendingRequestsMetric);
        if (metric is not null && !PrometheusMetricName().IsMatch(metric))
        {
            metadata.Expected(PendingRequestsMetric);
        }

        var port = metadata.Whole(MetricsPort, 1);
        if (port > 65535)
        {
            metadata.Expected(MetricsPort);
        }

        var path = metadata.Text(MetricsPath);
        if (path is not null && (!path.StartsWith('/') || path.Any(c => char.IsWhiteSpace(c) || c is '?' or '#')))
        {
            metadata.Expected(MetricsPath);
        }

        if (kind == InferenceServerKind.Custom && !metadata.Has(MetricsPort))
        {
            metadata.Fail(MetricsPort, $"required with {PendingRequestsMetric} when {Server} is not given: expected {metadata.Form(MetricsPort)}");
        }

        if (metadata.Failed(Server, PendingRequestsMetric, MetricsPort, MetricsPath, WorkloadKeys.PodSelector))
        {
            return null;
        }

        var query = new InferenceQueueQuery(trigger.Workload, kind) { MetricName = metric, MetricsPort = port, MetricsPath = path ?? "/metrics" };
        foreach (var error in query.Validate())
        {
            // A safety net: the checks above cover these fields with the user's key names.
            var key = error.StartsWith("metricName:", StringComparison.Ordinal) ? PendingRequestsMetric
                : error.StartsWith("metricsPort:", StringComparison.Ordinal) ? MetricsPort
                : error.StartsWith("metricsPath:", StringComparison.Ordinal) ? MetricsPath
                : null;
            if (key is null)
            {
                metadata.AddError(error);
            }
            else if (!metadata.Failed(key))
            {
                metadata.Fail(key, error[(error.IndexOf(':', StringComparison.Ordinal) + 1)..].TrimStart());
            }
        }

        return metadata.Failed(PendingRequestsMetric, MetricsPort, MetricsPath) ? null : query;
    }

    [GeneratedRegex("^[A-Za-z_:][A-Za-z0-9_:]*$")]
    private static partial Regex PrometheusMetricName();
}
