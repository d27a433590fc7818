namespace Scaler.Signals.Kubernetes;

/// <summary>
/// Pods from the informer-style caches. <see cref="UnavailableReason"/> is set when the answer is not
/// known (no cluster, ScaledObject not found, cache not synced yet), and then <see cref="Pods"/> is
/// empty: an unknown pod set is never "no pods".
/// </summary>
internal sealed record PodSet(IReadOnlyList<WorkloadPod> Pods, string? UnavailableReason, DateTimeOffset? ObservedAt)
{
    public bool IsKnown => UnavailableReason is null;

    public static PodSet Unknown(string reason) => new([], reason, null);
}
