namespace Scaler.Signals.GpuFleet;

/// <summary>Which per-workload figure of the GPUs a workload's pods hold.</summary>
internal enum GpuFleetAggregate
{
    /// <summary>
    /// Mean GPU utilization (NVML duty cycle) over the workload's devices, each device once, as a
    /// fraction 0..1 (the exporter's percent divided by 100), so an <c>Average</c> signal's target is
    /// written like <c>0.7</c>. MIG devices have no utilization and are left out of the mean.
    /// </summary>
    MeanUtilization,

    /// <summary>The highest memory use of any of the workload's devices, as a fraction 0..1 (used / total).</summary>
    MaxMemoryUsed,

    /// <summary>How many devices (whole GPUs and MIG devices) the workload's pods hold, each once.</summary>
    DeviceCount,

    /// <summary>
    /// Per pod (<see cref="Decisions.Reading.PerPod"/>): the mean utilization of the devices attributed to the
    /// pod, percent 0..100. A time-sliced GPU shared by several pods gives each of them its whole utilization
    /// (NVML does not split a GPU's duty cycle between processes); MIG devices have none, so a pod holding only
    /// MIG devices has no value. The reading's value is the mean over the pods with one.
    /// </summary>
    PodUtilization,

    /// <summary>
    /// Per pod: the memory used on the devices attributed to the pod, bytes, summed over them. A time-sliced
    /// GPU's use counts in full for each pod sharing it; a MIG device's is its own instance's. The reading's
    /// value is the mean over the pods.
    /// </summary>
    PodMemoryUsed,
}
