using Scaler.Decisions;
using Scaler.Signals;
using Scaler.Signals.Kubernetes;

namespace Scaler.Triggers;

/// <summary>
/// A trigger's metadata parsed once into typed form (STYLE rule 5): the engine's policy, what to read for each
/// of its signals, and the one metric name the trigger answers with.
/// </summary>
/// <param name="ScaledObject">The object it scales.</param>
/// <param name="Policy">The engine's policy; its signals in order.</param>
/// <param name="Queries">What to read for each signal, by <see cref="SignalSpec.Name"/>.</param>
/// <param name="MetricName">The metric name (<see cref="MetricNames.For"/>).</param>
internal sealed record Trigger(ScaledObjectKey ScaledObject, ScalingPolicy Policy, IReadOnlyDictionary<string, SignalQuery> Queries, string MetricName)
{
    /// <summary>The workload whose replicas are counted: the scaled object, with the pod selector of the signals that read its pods.</summary>
    public WorkloadRef Workload { get; init; } = new(ScaledObject.Namespace, ScaledObject.Name);
}
