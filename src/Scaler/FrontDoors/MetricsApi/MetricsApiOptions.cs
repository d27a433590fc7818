using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Scaler.FrontDoors.MetricsApi;

/// <summary>The custom metrics API front door (configuration section <c>Scaler:MetricsApi</c>).</summary>
internal sealed class MetricsApiOptions
{
    public const string Section = "Scaler:MetricsApi";

    /// <summary>
    /// Also serve <c>external.metrics.k8s.io</c> (the composite decision as an external metric). Default false:
    /// KEDA owns that API where it runs, and a cluster has one server per API group.
    /// </summary>
    public bool ExternalMetrics { get; set; }

    /// <summary>The namespace of the ConfigMap that says how to recognise the aggregator. Default <c>kube-system</c>.</summary>
    [Required]
    public string AuthenticationConfigMapNamespace { get; set; } = "kube-system";

    /// <summary>The ConfigMap kube-apiserver maintains for aggregated API servers. Default <c>extension-apiserver-authentication</c>.</summary>
    [Required]
    public string AuthenticationConfigMapName { get; set; } = "extension-apiserver-authentication";

    /// <summary>
    /// Out of a cluster (or to override the ConfigMap): a PEM file with the front proxy's CA
    /// (kube-apiserver's <c>--requestheader-client-ca-file</c>). Default none: read the ConfigMap.
    /// </summary>
    public string? RequestHeaderClientCaPath { get; set; }

    /// <summary>With <see cref="RequestHeaderClientCaPath"/>: the allowed common names of the proxy's certificate (<c>--requestheader-allowed-names</c>). Default none: any.</summary>
    public IList<string> RequestHeaderAllowedNames { get; } = [];

    /// <summary>How often the ConfigMap (or file) is read again, so a rotated CA is picked up. From 1 s to 1 h; default 1 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan AuthenticationRefresh { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a TokenReview's or SubjectAccessReview's answer is reused. From 0 to 5 min; default 10 s (kube-apiserver's delegating default).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ReviewCacheTtl { get; set; } = TimeSpan.FromSeconds(10);
}

[OptionsValidator]
internal sealed partial class MetricsApiOptionsValidator : IValidateOptions<MetricsApiOptions>;
