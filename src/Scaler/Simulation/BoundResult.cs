namespace Scaler.Simulation;

/// <summary>The capacity bound: the larger of its two parts, in GPU-hours, and the most replicas any window needs.</summary>
internal sealed record BoundResult(double GpuHours, double WorkGpuHours, double WindowGpuHours, int PeakReplicas);
