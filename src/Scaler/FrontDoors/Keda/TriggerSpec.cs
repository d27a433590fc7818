using System.Collections.Immutable;
using Scaler.Decisions;
using Scaler.Signals;

namespace Scaler.FrontDoors.Keda;

/// <summary>The ScaledObject a KEDA call is about.</summary>
internal sealed record ScaledObjectKey(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>One signal of a trigger: how the engine treats it, and what to read for it.</summary>
/// <param name="Spec">The engine's view (name, kind, role, target, activation threshold, staleness limit).</param>
/// <param name="Query">What the signal layer reads (through <see cref="ReadingCache"/>).</param>
internal sealed record TriggerSignal(SignalSpec Spec, SignalQuery Query);

/// <summary>
/// A trigger's metadata parsed once into typed form (STYLE rule 5): the engine's policy, the signals
/// with their queries, and the one metric name <c>GetMetricSpec</c> answers with.
/// </summary>
internal sealed record TriggerSpec(ScaledObjectKey ScaledObject, ScalingPolicy Policy, ImmutableArray<TriggerSignal> Signals, string MetricName);
