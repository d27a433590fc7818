using Scaler.Triggers;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// One trigger as the KEDA door tells them apart: a ScaledObject may have several Scaler triggers, each sent
/// with the ScaledObject's name and its own metadata, so a trigger is the ScaledObject plus its metric name
/// (which differs when triggers read different things; identical metadata is the same trigger).
/// </summary>
internal readonly record struct TriggerId(ScaledObjectKey ScaledObject, string MetricName)
{
    public static TriggerId Of(Trigger trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return new(trigger.ScaledObject, trigger.MetricName);
    }
}
