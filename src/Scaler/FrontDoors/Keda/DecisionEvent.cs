using Scaler.Triggers;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// A Kubernetes Event to write about one trigger's decision, or a ScaledObject's refused metadata, before its
/// involved object is resolved.
/// </summary>
/// <param name="ScaledObject">The trigger's ScaledObject (its scale target becomes the involved object).</param>
/// <param name="MetricName">The trigger (<see cref="Trigger.MetricName"/>); empty for refused metadata, which names no trigger.</param>
/// <param name="Type"><c>Normal</c> or <c>Warning</c>.</param>
/// <param name="Reason">UpperCamelCase, e.g. <c>ScaledUp</c>.</param>
/// <param name="Action"><c>Scale</c>, <c>Decide</c> or <c>Validate</c>.</param>
/// <param name="Note">The human-readable text, at most <see cref="KedaEvents.MaxNoteBytes"/> bytes of UTF-8.</param>
/// <param name="Summary">What makes two occurrences "the same event" beyond object, type, reason and trigger (the change and its driver, without values that vary).</param>
internal sealed record DecisionEvent(ScaledObjectKey ScaledObject, string MetricName, string Type, string Reason, string Action, string Note, string Summary);
