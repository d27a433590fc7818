namespace Scaler.Simulation;

/// <summary>How an arriving request reaches a replica.</summary>
internal enum Routing
{
    /// <summary>
    /// A Kubernetes Service: the request is committed at arrival to a ready replica picked at random
    /// (kube-proxy's iptables mode) and waits in that replica's own queue; new replicas take no backlog.
    /// </summary>
    Service,

    /// <summary>An inference gateway: committed at arrival to the ready replica with the fewest requests.</summary>
    LeastLoaded,

    /// <summary>
    /// One queue in front of every replica, handing a request to a replica only when it has room: the
    /// ideal the first model assumed.
    /// </summary>
    Gateway,
}
