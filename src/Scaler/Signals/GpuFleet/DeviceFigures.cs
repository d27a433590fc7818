namespace Scaler.Signals.GpuFleet;

/// <summary>One device's figures from one exporter, attributed to one of the workload's pods.</summary>
/// <param name="Key">The device: <c>{uuid}/{gpu instance id}</c> (the instance id empty for a whole GPU).</param>
/// <param name="Utilization">Percent 0..100; NaN when absent (MIG devices).</param>
/// <param name="UsedBytes">NaN when absent.</param>
/// <param name="TotalBytes">NaN when absent.</param>
internal readonly record struct DeviceFigures(string Key, double Utilization, double UsedBytes, double TotalBytes)
{
    /// <summary>The pod (<c>namespace/name</c>) the device is attributed to, when read per pod; else null.</summary>
    public string? Pod { get; init; }
}
