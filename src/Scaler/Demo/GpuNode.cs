using System.Net;

namespace Scaler.Demo;

/// <summary>A simulated GPU node: its GPUs and the address of its exporter pod.</summary>
internal sealed record GpuNode(string Name, IPAddress ExporterAddress, IReadOnlyList<string> GpuUuids)
{
    /// <summary>The exporter pod's name (a DaemonSet pod).</summary>
    public string ExporterPod => $"nvml-exporter-{Name}";
}
