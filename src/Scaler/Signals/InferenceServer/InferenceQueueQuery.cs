using Scaler.Signals.Kubernetes;

namespace Scaler.Signals.InferenceServer;

/// <summary>
/// Pending requests of a workload, summed over its ready pods, scraped from each pod's own metrics
/// endpoint. Preset values (<see cref="InferenceServerKind"/>) apply where a property is not set.
/// </summary>
/// <param name="Workload">The workload whose pods are scraped.</param>
/// <param name="Server">The preset.</param>
internal sealed record InferenceQueueQuery(WorkloadRef Workload, InferenceServerKind Server) : SignalQuery
{
    /// <summary>The pending-requests gauge [the preset's; required for <see cref="InferenceServerKind.Custom"/>].</summary>
    public string? MetricName { get; init; }

    /// <summary>The in-flight (running) gauge added when <see cref="IncludeInFlight"/> [the preset's].</summary>
    public string? InFlightMetricName { get; init; }

    /// <summary>The pods' metrics port [vLLM 8000, Triton 8002, TGI 80; required for custom].</summary>
    public int? MetricsPort { get; init; }

    /// <summary>The metrics path [/metrics].</summary>
    public string MetricsPath { get; init; } = "/metrics";

    /// <summary>Add requests being worked on to those waiting [false].</summary>
    public bool IncludeInFlight { get; init; }

    /// <summary>Only series whose model label has this value [all models].</summary>
    public string? Model { get; init; }

    /// <summary>The label <see cref="Model"/> is matched against [vLLM <c>model_name</c>, Triton <c>model</c>; TGI has none].</summary>
    public string? ModelLabel { get; init; }

    /// <summary>The source name: metrics label, pipeline and options name (<c>Signals:inference-server</c>).</summary>
    public const string SourceName = "inference-server";

    public override string Source => SourceName;

    public override string Key =>
        $"inference-server|{Workload.Key}|{PendingMetric}|{(IncludeInFlight ? InFlightMetric : "")}|{Port}|{MetricsPath}|{ModelLabelName}={Model}";

    public override WorkloadRef Pods => Workload;

    /// <summary>The workload's pods at their metrics port: one circuit per workload.</summary>
    public override string Upstream => $"pods|{Workload.Key}|{Port}";

    /// <summary>The pending gauge to read.</summary>
    public string PendingMetric => MetricName ?? Server switch
    {
        InferenceServerKind.Vllm => "vllm:num_requests_waiting",
        InferenceServerKind.Triton => "nv_inference_pending_request_count",
        InferenceServerKind.Tgi => "tgi_queue_size",
        _ => "",
    };

    /// <summary>The in-flight gauge, if the server has one.</summary>
    public string? InFlightMetric => InFlightMetricName ?? Server switch
    {
        InferenceServerKind.Vllm => "vllm:num_requests_running",
        InferenceServerKind.Tgi => "tgi_batch_current_size",
        _ => null,
    };

    /// <summary>The port to scrape.</summary>
    public int Port => MetricsPort ?? Server switch
    {
        InferenceServerKind.Vllm => 8000,
        InferenceServerKind.Triton => 8002,
        InferenceServerKind.Tgi => 80,
        _ => 0,
    };

    /// <summary>The label a model filter applies to.</summary>
    public string? ModelLabelName => ModelLabel ?? Server switch
    {
        InferenceServerKind.Vllm => "model_name",
        InferenceServerKind.Triton => "model",
        _ => null,
    };

    /// <summary>Every problem with the query, each naming its field; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Server == InferenceServerKind.Custom && string.IsNullOrEmpty(MetricName))
        {
            errors.Add("metricName: required with server 'custom'");
        }
        else if (!IsMetricName(PendingMetric))
        {
            errors.Add($"metricName: not a Prometheus metric name: '{PendingMetric}'");
        }

        if (Server == InferenceServerKind.Custom && MetricsPort is null)
        {
            errors.Add("metricsPort: required with server 'custom'");
        }
        else if (Port is < 1 or > 65535)
        {
            errors.Add($"metricsPort: must be a port number 1-65535, got {Port}");
        }

        if (!MetricsPath.StartsWith('/'))
        {
            errors.Add($"metricsPath: must start with '/', got '{MetricsPath}'");
        }

        if (IncludeInFlight && InFlightMetric is null)
        {
            errors.Add($"includeInFlight: {Server} has no in-flight gauge; set inFlightMetricName");
        }
        else if (InFlightMetric is { } inFlight && !IsMetricName(inFlight))
        {
            errors.Add($"inFlightMetricName: not a Prometheus metric name: '{inFlight}'");
        }

        if (Model is not null && ModelLabelName is null)
        {
            errors.Add($"model: {Server} has no model label; set modelLabel");
        }

        return errors;
    }

    private static bool IsMetricName(string name) =>
        name.Length > 0
        && (char.IsAsciiLetter(name[0]) || name[0] is '_' or ':')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');
}
