using Scaler.Decisions;

namespace Scaler.FrontDoors.MetricsApi;

/// <summary>The engine's decision for a workload, or why its annotations are not a policy (each error naming its key).</summary>
internal sealed record WorkloadDecision(Decision? Decision, IReadOnlyList<string> Errors);
