using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Scaler.Signals.Kubernetes;

namespace Scaler.Signals.GpuFleet;

/// <summary>How the GPU fleet source scrapes exporters (configuration section <c>Signals:GpuFleet</c>).</summary>
internal sealed class GpuFleetOptions
{
    public const string Section = "Signals:GpuFleet";

    /// <summary>The deadline for one exporter's scrape, body included [2 s].</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan ScrapeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Exporters scraped at the same time [64].</summary>
    [Range(1, 1024)]
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>A larger /metrics body is a failed scrape [8 MiB; an 8-GPU node with 7 MIG devices each is about 110 KiB].</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxResponseBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// The share of the workload's GPU nodes whose exporter must answer for the reading to be fresh
    /// [0.5: at least half]. Below it the reading is unavailable: a figure from a few nodes is not the
    /// workload's.
    /// </summary>
    [Range(0.0, 1.0)]
    public double MinNodeCoverage { get; set; } = 0.5;

    /// <summary>
    /// An NvmlExporter whose last sample is older than this (its <c>nvml_exporter_last_sample_age_seconds</c>)
    /// counts as not answering: it serves a wedged driver's last values [30 s].
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MaxSampleAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Where to scrape an exporter pod, replacing <c>http://{podIP}:{exporterPort}{exporterPath}</c>.
    /// For tests and benchmarks that run many exporters on one loopback address; not bound from configuration.
    /// </summary>
    public Func<WorkloadPod, Uri>? EndpointResolver { get; set; }
}

[OptionsValidator]
internal sealed partial class GpuFleetOptionsValidator : IValidateOptions<GpuFleetOptions>;
