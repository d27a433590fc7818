using System.Text.Json.Serialization;

namespace Scaler.Simulation;

/// <summary>The JSON shape of <c>scaler simulate --format json</c>.</summary>
/// <param name="Policies">The policies compared.</param>
/// <param name="Limit">The lower bound and the clairvoyant schedule.</param>
/// <param name="Fixed">Every fixed replica count from 1 to the maximum.</param>
/// <param name="CheapestFixedWithinBudget">The cheapest fixed count with at most 1% violations after warm-up; null when none.</param>
/// <param name="CheapestFixedMatchingComposite">The cheapest fixed count with no more violations after warm-up than the composite.</param>
internal sealed record JsonReport(
    IReadOnlyList<JsonPolicy> Policies,
    JsonLimit Limit,
    IReadOnlyList<JsonPolicy> Fixed,
    string? CheapestFixedWithinBudget,
    string? CheapestFixedMatchingComposite);

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

/// <summary>Requests that arrived in a part of the run and the GPU-hours paid in it.</summary>
internal sealed record JsonSegment(double GpuHours, int Requests, int SloViolations, double SloAttainment);

/// <summary>The limit: a lower bound on GPU-hours (the larger of its two parts) and the clairvoyant schedule replayed.</summary>
internal sealed record JsonLimit(double BoundGpuHours, double WorkBoundGpuHours, double WindowBoundGpuHours, JsonPolicy Clairvoyant);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(JsonReport))]
internal sealed partial class SimulationJsonContext : JsonSerializerContext;
