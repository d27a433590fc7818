namespace Scaler.Simulation;

/// <summary>One policy (or fixed count, or the clairvoyant schedule) in the JSON output.</summary>
internal sealed record JsonPolicy(
    string Name,
    double GpuHours,
    int Requests,
    int SloViolations,
    double SloAttainment,
    double? P50WaitSeconds,
    double? P99WaitSeconds,
    int ScaleEvents,
    double TimeAtZeroSeconds,
    double MeanReplicas,
    int PeakReplicas,
    double? GpuHoursToBound,
    double? GpuHoursToClairvoyant,
    JsonSegment Warmup,
    JsonSegment AfterWarmup);
