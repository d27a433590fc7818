namespace Scaler.Simulation;

/// <summary>The limit: a lower bound on GPU-hours (the larger of its two parts) and the clairvoyant schedule replayed.</summary>
internal sealed record JsonLimit(double BoundGpuHours, double WorkBoundGpuHours, double WindowBoundGpuHours, JsonPolicy Clairvoyant);
