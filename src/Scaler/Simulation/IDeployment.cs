namespace Scaler.Simulation;

/// <summary>
/// A simulated deployment of identical GPU replicas, stepped in fixed virtual-time ticks. What it exposes
/// is what a cluster exposes: replica counts, the servers' gauges and counters (<see cref="ClusterObservation"/>).
/// </summary>
internal interface IDeployment
{
    /// <summary>Replicas that exist (starting, ready or draining): what is paid for.</summary>
    int Existing { get; }

    /// <summary>Requests accepted and not finished, wherever they wait.</summary>
    int Outstanding { get; }

    /// <summary>Raised when a request's first token is produced; its wait is recorded on it.</summary>
    event Action<ActiveRequest>? FirstToken;

    /// <summary>A request arrives at <paramref name="now"/>.</summary>
    void Enqueue(ActiveRequest request, double now);

    /// <summary>What a scaling loop could read at <paramref name="now"/>.</summary>
    ClusterObservation Observe(double now);

    /// <summary>Sets the replica count: new replicas become ready after the start-up delay; removed ones drain.</summary>
    void Scale(int desired, double now);

    /// <summary>Advances the tick [now, now + tick).</summary>
    void Step(double now);
}
