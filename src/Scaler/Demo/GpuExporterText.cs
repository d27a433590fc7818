using System.Globalization;
using System.Text;

namespace Scaler.Demo;

/// <summary>
/// A simulated node's GPU exporter <c>/metrics</c> in the NvmlExporter's own names and labels
/// (<c>gpu_utilization_percent</c>, <c>gpu_memory_used_bytes</c>, <c>gpu_memory_total_bytes</c> with
/// <c>uuid</c>, and <c>pod</c>, <c>namespace</c>, <c>container</c> on a GPU allocated to a pod), and its health
/// series (<c>nvml_exporter_nvml_up</c>, <c>nvml_exporter_last_sample_age_seconds</c>).
/// </summary>
internal static class GpuExporterText
{
    /// <summary>The simulated model: an NVIDIA L40S, 48 GB (the simulator's default server).</summary>
    public const string GpuModel = "NVIDIA L40S";

    public const long MemoryTotalBytes = 46_068L * 1024 * 1024;

    /// <summary>One GPU as the exporter samples it.</summary>
    /// <param name="Uuid">The GPU's UUID.</param>
    /// <param name="Index">Its index on the node.</param>
    /// <param name="UtilizationPercent">The duty cycle.</param>
    /// <param name="MemoryUsedBytes">Framebuffer in use.</param>
    /// <param name="Pod">The pod it is allocated to (namespace, name); null when free.</param>
    public readonly record struct Gpu(string Uuid, int Index, double UtilizationPercent, long MemoryUsedBytes, (string Namespace, string Name)? Pod);

    public static string Render(string node, IReadOnlyList<Gpu> gpus, double sampleAgeSeconds)
    {
        ArgumentNullException.ThrowIfNull(gpus);
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder(2048);
        string Labels(Gpu gpu) =>
            string.Create(c, $"gpu=\"{gpu.Index}\",uuid=\"{gpu.Uuid}\",device=\"nvidia{gpu.Index}\",model_name=\"{GpuModel}\",hostname=\"{node}\"")
            + (gpu.Pod is { } pod ? $",pod=\"{pod.Name}\",namespace=\"{pod.Namespace}\",container=\"server\"" : "");
        Family(text, "gpu_utilization_percent", "Percent of the last sample period in which one or more kernels ran (NVML duty cycle); absent on MIG.");
        foreach (var gpu in gpus)
        {
            text.AppendLine(c, $"gpu_utilization_percent{{{Labels(gpu)}}} {gpu.UtilizationPercent:0.#}");
        }

        Family(text, "gpu_memory_used_bytes", "Framebuffer memory in use, in bytes (excluding driver-reserved memory where the driver reports it apart).");
        foreach (var gpu in gpus)
        {
            text.AppendLine(c, $"gpu_memory_used_bytes{{{Labels(gpu)}}} {gpu.MemoryUsedBytes}");
        }

        Family(text, "gpu_memory_total_bytes", "Framebuffer memory of the GPU or MIG device, in bytes.");
        foreach (var gpu in gpus)
        {
            text.AppendLine(c, $"gpu_memory_total_bytes{{{Labels(gpu)}}} {MemoryTotalBytes}");
        }

        Family(text, "nvml_exporter_nvml_up", "Whether NVML is loaded and initialized (0 with no driver or no GPU).");
        text.AppendLine("nvml_exporter_nvml_up 1");
        Family(text, "nvml_exporter_gpus", "GPUs NVML reports on this node.");
        text.AppendLine(c, $"nvml_exporter_gpus {gpus.Count}");
        Family(text, "nvml_exporter_last_sample_age_seconds", "Seconds since the last completed sample, at scrape time.");
        text.AppendLine(c, $"nvml_exporter_last_sample_age_seconds {sampleAgeSeconds:0.###}");
        return text.ToString();
    }

    private static void Family(StringBuilder text, string name, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').AppendLine(help).Append("# TYPE ").Append(name).AppendLine(" gauge");
}
