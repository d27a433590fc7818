using Scaler.Signals.Kubernetes;

namespace Scaler.Signals.InferenceServer;

/// <summary>
/// One work figure of a workload (<see cref="WorkMetric"/>), from its model-server pods. Every figure of the
/// same workload and endpoint comes from one scrape (<see cref="ScrapeKey"/>), shared by the source.
/// </summary>
/// <param name="Workload">The workload whose pods are scraped.</param>
/// <param name="Server">The preset: vLLM or TGI (Triton exposes no token counters).</param>
/// <param name="Metric">The figure.</param>
internal sealed record WorkQuery(WorkloadRef Workload, InferenceServerKind Server, WorkMetric Metric) : SignalQuery
{
    /// <summary>The source name: metrics label, pipeline and options name.</summary>
    public const string SourceName = "inference-work";

    /// <summary>The pods' metrics port [vLLM 8000, TGI 80].</summary>
    public int? MetricsPort { get; init; }

    /// <summary>The metrics path [/metrics].</summary>
    public string MetricsPath { get; init; } = "/metrics";

    public override string Source => SourceName;

    /// <summary>What one scrape serves: the same for every figure of a workload and endpoint.</summary>
    public string ScrapeKey => $"{SourceName}|{Workload.Key}|{Server}|{Port}|{MetricsPath}";

    public override string Key => $"{ScrapeKey}|{Metric}";

    public override WorkloadRef Pods => Workload;

    /// <summary>The workload's pods at their metrics port: one circuit per workload.</summary>
    public override string Upstream => $"pods|{Workload.Key}|{Port}";

    /// <summary>The port to scrape.</summary>
    public int Port => MetricsPort ?? Server switch
    {
        InferenceServerKind.Vllm => 8000,
        InferenceServerKind.Tgi => 80,
        _ => 0,
    };
}
