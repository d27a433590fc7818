using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Scaler.Signals.Kubernetes;

namespace Scaler.Signals.InferenceServer;

/// <summary>How the inference-server source scrapes model-server pods (configuration section <c>Signals:InferenceServer</c>).</summary>
internal sealed class InferenceServerOptions
{
    public const string Section = "Signals:InferenceServer";

    /// <summary>The deadline for one pod's scrape, body included [2 s].</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan ScrapeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Pods scraped at the same time [32].</summary>
    [Range(1, 1024)]
    public int MaxConcurrency { get; set; } = 32;

    /// <summary>A larger /metrics body is a failed scrape [4 MiB; vLLM's histograms make a few hundred KiB].</summary>
    [Range(1024, 256 * 1024 * 1024)]
    public int MaxResponseBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// The share of the workload's ready pods that must answer for the sum to be fresh [0.5]. The sum
    /// then covers the pods that answered (a lower bound), and the reading carries the coverage.
    /// </summary>
    [Range(0.0, 1.0)]
    public double MinPodCoverage { get; set; } = 0.5;

    /// <summary>
    /// Where to scrape a pod, replacing <c>http://{podIP}:{metricsPort}{metricsPath}</c>. For tests and
    /// benchmarks that serve many pods on one loopback address; not bound from configuration.
    /// </summary>
    public Func<WorkloadPod, Uri>? EndpointResolver { get; set; }
}

[OptionsValidator]
internal sealed partial class InferenceServerOptionsValidator : IValidateOptions<InferenceServerOptions>;
