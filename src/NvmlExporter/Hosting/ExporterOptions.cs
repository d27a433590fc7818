using System.Net;

namespace NvmlExporter.Hosting;

/// <summary>The exporter's settings, parsed and validated once at start (see <see cref="ExporterSettings"/>).</summary>
public sealed class ExporterOptions
{
    /// <summary>How often NVML is sampled. Default 1 s. Setting: <c>--interval</c> / <c>NVML_EXPORTER_INTERVAL</c>.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long one GPU's NVML calls may take before that GPU is marked stuck (its series withdrawn, the others
    /// still sampled) until the hung call returns; twice this for the calls every sample makes (init, device
    /// count) before the exporter reports NVML down while they hang. Default 5 s. Setting: <c>--call-timeout</c> /
    /// <c>NVML_EXPORTER_CALL_TIMEOUT</c>.
    /// </summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Where <c>/metrics</c> and the health endpoints listen. Default all interfaces, port 9400. Setting: <c>--listen</c> / <c>NVML_EXPORTER_LISTEN</c>.</summary>
    public IPEndPoint Listen { get; set; } = new(IPAddress.Any, 9400);

    /// <summary>The NVML library file; null means <c>libnvidia-ml.so.1</c> from the system's search path. Setting: <c>NVML_LIBRARY_PATH</c>.</summary>
    public string? LibraryPath { get; set; }

    /// <summary>Whether pods are attributed through the kubelet pod-resources API. Default true. Setting: <c>--kubernetes</c> / <c>NVML_EXPORTER_KUBERNETES</c>.</summary>
    public bool Attribution { get; set; } = true;

    /// <summary>The kubelet pod-resources socket. Default <c>/var/lib/kubelet/pod-resources/kubelet.sock</c>. Setting: <c>--pod-resources-socket</c> / <c>NVML_EXPORTER_POD_RESOURCES_SOCKET</c>.</summary>
    public string PodResourcesSocket { get; set; } = "/var/lib/kubelet/pod-resources/kubelet.sock";

    /// <summary>How often the pod-resources API is listed. Default 5 s (the kubelet allows 100 QPS). Setting: <c>--attribution-interval</c> / <c>NVML_EXPORTER_ATTRIBUTION_INTERVAL</c>.</summary>
    public TimeSpan AttributionInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The <c>Hostname</c> label. Default <c>NODE_NAME</c>, else the machine name. Setting: <c>NODE_NAME</c>.</summary>
    public string Hostname { get; set; } = Environment.MachineName;

    /// <summary>
    /// The name of the node label on the <c>DCGM_FI_*</c> series: <c>Hostname</c> as dcgm-exporter up to 4.8.2
    /// (the default), or <c>hostname</c> as later versions. Setting: <c>--dcgm-hostname-label</c> /
    /// <c>NVML_EXPORTER_DCGM_HOSTNAME_LABEL</c>.
    /// </summary>
    public string DcgmHostnameLabel { get; set; } = Metrics.MetricsRenderer.DcgmHostnameLabelDefault;

    /// <summary>
    /// How a device that several containers hold is published: <see cref="Metrics.PodSeries.PerPod"/> (the
    /// default: one copy of each series per container) or <see cref="Metrics.PodSeries.Joined"/> (one series
    /// per device, the containers joined with commas in <c>pod</c>, <c>namespace</c> and <c>container</c>, for
    /// dashboards that sum). Setting: <c>--pod-series</c> / <c>NVML_EXPORTER_POD_SERIES</c> (<c>per-pod</c> or <c>joined</c>).
    /// </summary>
    public Metrics.PodSeries PodSeries { get; set; } = Metrics.PodSeries.PerPod;
}
