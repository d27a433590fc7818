namespace Scaler.Simulation;

/// <summary>Requests that arrived in a part of the run and the GPU-hours paid in it.</summary>
internal sealed record JsonSegment(double GpuHours, int Requests, int SloViolations, double SloAttainment);
