using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Scaler.Signals.Kubernetes;

/// <summary>
/// How the Scaler reaches the Kubernetes API and what it watches there (configuration section
/// <c>Scaler:Kubernetes</c>). See docs/signals-kubernetes.md.
/// </summary>
internal sealed class KubernetesOptions
{
    public const string SectionName = "Scaler:Kubernetes";

    /// <summary>
    /// A kubeconfig file. Default null: the in-cluster service account when the Scaler runs in a pod
    /// (<c>KUBERNETES_SERVICE_HOST</c> and the mounted token), else <c>$KUBECONFIG</c> or <c>~/.kube/config</c>
    /// when one exists; with none of these there is no cluster and every answer is unknown.
    /// </summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>The kubeconfig context to use. Default null: the file's current context.</summary>
    public string? KubeconfigContext { get; set; }

    /// <summary>The label selector of the NvmlExporter pods. Default <c>app.kubernetes.io/name=nvml-exporter</c>.</summary>
    [Required]
    public string ExporterSelector { get; set; } = "app.kubernetes.io/name=nvml-exporter";

    /// <summary>The namespace of the NvmlExporter pods. Default <c>scaler-system</c>; empty means all namespaces (needs a ClusterRole).</summary>
    public string ExporterNamespace { get; set; } = "scaler-system";

    /// <summary>
    /// The first wait after a failed list or watch; doubles per consecutive failure up to
    /// <see cref="MaxBackoff"/>, with ±20 % jitter. Default 1 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between retries of a failing list or watch. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the API server keeps one watch request open before it ends it and the cache re-watches from
    /// its last resourceVersion (the <c>timeoutSeconds</c> of the watch). Default 5 min, like client-go's reflector.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a cache that lost its watch (API server unreachable, watch failing) keeps answering from
    /// what it last knew, with <see cref="PodSet.ObservedAt"/> at the moment it broke; after this the answer
    /// is unknown. Default 2 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(2);
}

[OptionsValidator]
internal sealed partial class KubernetesOptionsValidator : IValidateOptions<KubernetesOptions>;
