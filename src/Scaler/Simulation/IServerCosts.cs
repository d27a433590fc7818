namespace Scaler.Simulation;

/// <summary>
/// What serving a request costs a replica at best, for the capacity bound: every figure is a lower bound
/// on the replica time any schedule must spend, whatever the batching.
/// </summary>
internal interface IServerCosts
{
    /// <summary>Replica seconds the request's prompt takes before its first token can exist.</summary>
    double PrefillSeconds(TraceRequest request);

    /// <summary>A lower bound on the replica seconds that serving all <paramref name="requests"/> takes.</summary>
    double MinimumReplicaSeconds(IReadOnlyList<TraceRequest> requests);

    /// <summary>Why one replica can never hold the request; null when it can.</summary>
    string? CannotHold(TraceRequest request);
}
