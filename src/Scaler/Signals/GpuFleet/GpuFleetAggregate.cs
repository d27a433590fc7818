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
}
