namespace Scaler.Signals.Kubernetes;

/// <summary>The answer of <see cref="IScaleTargets.GetAsync"/>: the workload, or that it does not exist, or why it is not known now.</summary>
/// <param name="Workload">The workload; null when not found or unknown.</param>
/// <param name="NotFound">The API server says there is no such object (or no such resource).</param>
/// <param name="UnavailableReason">Why it is not known now (no cluster, the API server failing, first read in progress).</param>
internal sealed record ScaledWorkloadLookup(ScaledWorkload? Workload, bool NotFound, string? UnavailableReason)
{
    public static ScaledWorkloadLookup Found(ScaledWorkload workload) => new(workload, false, null);

    public static ScaledWorkloadLookup Missing(string why) => new(null, true, why);

    public static ScaledWorkloadLookup Unknown(string why) => new(null, false, why);
}
