using Scaler.Signals.Kubernetes;

namespace Scaler.Signals.GpuFleet;

/// <summary>
/// The GPU figures served per pod, under the dcgm-exporter's names and the NvmlExporter's: each pod's devices
/// found through the exporters' attribution, as the workload signals find them.
/// </summary>
internal static class GpuFleetPodMetrics
{
    private const double BytesPerMiB = 1024 * 1024;

    public static IEnumerable<PodMetric> All { get; } =
    [
        new("DCGM_FI_DEV_GPU_UTIL", "GPU utilization of the pod's GPUs, percent 0–100 (mean over them; a time-sliced GPU's whole utilization; MIG devices have none)", Factory(GpuFleetAggregate.PodUtilization)),
        new("gpu_utilization_percent", "the same as DCGM_FI_DEV_GPU_UTIL, under the NvmlExporter's name", Factory(GpuFleetAggregate.PodUtilization)),
        new("DCGM_FI_DEV_FB_USED", "GPU memory used on the pod's GPUs, MiB (summed over them; a time-sliced GPU's whole use; a MIG device's own)", Factory(GpuFleetAggregate.PodMemoryUsed)) { Scale = 1 / BytesPerMiB },
        new("gpu_memory_used_bytes", "the same as DCGM_FI_DEV_FB_USED in bytes, under the NvmlExporter's name", Factory(GpuFleetAggregate.PodMemoryUsed)),
    ];

    private static PodQueryFactory Factory(GpuFleetAggregate aggregate) =>
        (WorkloadRef pods, IReadOnlyDictionary<string, string> labels, out string? error) =>
        {
            error = null;
            return new GpuFleetQuery(pods, aggregate);
        };
}
