namespace Scaler.Simulation;

/// <summary>A fixed replica count: the reference that shows what standing capacity alone buys.</summary>
internal sealed class StaticLoop(int replicas) : IScalingLoop
{
    public string Name { get; } = $"fixed-{replicas}";

    public int Replicas => replicas;

    public int? OnTick(double now, ClusterObservation current, ObservationHistory history) => replicas;
}
