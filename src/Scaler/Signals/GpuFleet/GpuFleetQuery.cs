using Scaler.Signals.Kubernetes;

namespace Scaler.Signals.GpuFleet;

/// <summary>A GPU-fleet read: the devices attributed to a workload's ready pods, aggregated.</summary>
/// <param name="Workload">The workload whose pods' GPUs are read.</param>
/// <param name="Aggregate">Which figure.</param>
internal sealed record GpuFleetQuery(WorkloadRef Workload, GpuFleetAggregate Aggregate) : SignalQuery
{
    /// <summary>The exporter's port on its pod [9400, the NvmlExporter's and dcgm-exporter's default].</summary>
    public int ExporterPort { get; init; } = 9400;

    /// <summary>The exporter's metrics path [/metrics].</summary>
    public string ExporterPath { get; init; } = "/metrics";

    /// <summary>The source name: metrics label, pipeline and options name (<c>Signals:gpu</c>).</summary>
    public const string SourceName = "gpu";

    public override string Source => SourceName;

    public override string Key => $"gpu|{Workload.Key}|{Aggregate}|{ExporterPort}|{ExporterPath}";

    public override WorkloadRef Pods => Workload;

    /// <summary>The exporters on the workload's nodes: one circuit per workload, so one workload's dead nodes never hold another's reads.</summary>
    public override string Upstream => $"exporters|{Workload.Key}|{ExporterPort}";

    /// <summary>Every problem with the query, each naming its field; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ExporterPort is < 1 or > 65535)
        {
            errors.Add($"exporterPort: must be a port number 1-65535, got {ExporterPort}");
        }

        if (!ExporterPath.StartsWith('/'))
        {
            errors.Add($"exporterPath: must start with '/', got '{ExporterPath}'");
        }

        if (!Enum.IsDefined(Aggregate))
        {
            errors.Add($"aggregate: unknown value {Aggregate}");
        }

        return errors;
    }
}
