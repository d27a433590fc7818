namespace Scaler.Decisions;

/// <summary>One pod's value behind a reading read pod by pod (a pod's GPU utilization, its waiting requests).</summary>
/// <param name="Pod">The pod's name (its namespace is the workload's).</param>
/// <param name="Value">The value, in the unit of the reading.</param>
internal readonly record struct PodValue(string Pod, double Value);
