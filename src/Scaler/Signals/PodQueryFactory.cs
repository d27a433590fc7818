using Scaler.Signals.Kubernetes;

namespace Scaler.Signals;

/// <summary>
/// Builds a source's query for the pods of <paramref name="pods"/>, reading the metric labels it knows from
/// <paramref name="labels"/>; null with <paramref name="error"/> (naming the label and the expected form) when
/// they are not usable. Pure.
/// </summary>
internal delegate SignalQuery? PodQueryFactory(WorkloadRef pods, IReadOnlyDictionary<string, string> labels, out string? error);
