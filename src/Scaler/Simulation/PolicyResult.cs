using System.Collections.Immutable;

namespace Scaler.Simulation;

/// <summary>What one policy did over the trace.</summary>
internal sealed record PolicyResult(
    string Name,
    double GpuHours,
    int Requests,
    int SloViolations,
    double P50WaitSeconds,
    double P99WaitSeconds,
    int ScaleEvents,
    double TimeAtZeroSeconds,
    double MeanReplicas,
    int PeakReplicas,
    ImmutableArray<SeriesPoint> Series)
{
    public double SloAttainment => Requests == 0 ? 1 : 1 - (SloViolations / (double)Requests);

    /// <summary>Requests that arrived during warm-up (<see cref="SimulationOptions.Warmup"/>) and the GPU-hours paid then.</summary>
    public ResultSegment Warmup { get; init; }

    /// <summary>Requests that arrived after warm-up and the GPU-hours paid after it, drain included.</summary>
    public ResultSegment AfterWarmup { get; init; }
}
