namespace Scaler.Simulation;

/// <summary>A control loop deciding the replica count of one simulated deployment.</summary>
internal interface IScalingLoop
{
    string Name { get; }

    /// <summary>
    /// Called every tick with virtual time in seconds, the deployment as it is now (replica counts are
    /// always current: the Kubernetes API) and its history (signals are read as old as their source
    /// makes them); returns the replica count to set, or null for no change.
    /// </summary>
    int? OnTick(double now, ClusterObservation current, ObservationHistory history);
}
