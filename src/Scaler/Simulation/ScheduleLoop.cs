using System.Collections.Immutable;

namespace Scaler.Simulation;

/// <summary>Follows a replica schedule fixed in advance (the clairvoyant one): one count per slot, 0 past its end.</summary>
internal sealed class ScheduleLoop(string name, ImmutableArray<int> counts, double slotSeconds) : IScalingLoop
{
    public string Name { get; } = name;

    public int? OnTick(double now, ClusterObservation current, ObservationHistory history)
    {
        var slot = (int)Math.Floor((now / slotSeconds) + 1e-9);
        return slot < counts.Length ? counts[slot] : 0;
    }
}
