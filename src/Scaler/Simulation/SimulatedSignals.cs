namespace Scaler.Simulation;

/// <summary>Signal names the simulator can serve to a policy.</summary>
internal static class SimulatedSignals
{
    /// <summary>Requests accepted and not finished (waiting plus running): a total.</summary>
    public const string Requests = "requests";

    /// <summary>Requests waiting for a slot: a total.</summary>
    public const string Queue = "queue";

    /// <summary>Mean busy fraction (0..1) of ready replicas over the utilization window: an average.</summary>
    public const string GpuUtilization = "gpu-utilization";

    /// <summary>The value of a named signal, or null when the name is unknown.</summary>
    public static double? Value(string name, ClusterObservation observation) => name switch
    {
        Requests => observation.Outstanding,
        Queue => observation.Waiting,

        // Without ready replicas there is nothing to average; the engine ignores an average then.
        GpuUtilization => observation.GpuUtilization ?? 0,
        _ => null,
    };
}
