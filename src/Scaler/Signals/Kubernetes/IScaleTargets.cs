namespace Scaler.Signals.Kubernetes;

/// <summary>
/// Workloads with a <c>/scale</c> subresource (Deployments, StatefulSets, custom resources such as
/// LeaderWorkerSet), read by name: the object's annotations and its scale. Served from the last good read and
/// refreshed in the background; a caller waits only for a workload's first read, and not long.
/// </summary>
internal interface IScaleTargets
{
    /// <param name="namespace">The workload's namespace.</param>
    /// <param name="resource">Its resource qualified by group, as the HPA names it (<c>deployments.apps</c>, <c>leaderworkersets.leaderworkerset.x-k8s.io</c>).</param>
    /// <param name="name">Its name.</param>
    /// <param name="cancellationToken">Ends only this caller's wait.</param>
    ValueTask<ScaledWorkloadLookup> GetAsync(string @namespace, string resource, string name, CancellationToken cancellationToken);
}
