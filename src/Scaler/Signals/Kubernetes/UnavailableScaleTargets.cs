namespace Scaler.Signals.Kubernetes;

/// <summary><see cref="IScaleTargets"/> when there is no cluster: every workload is unknown, with the reason.</summary>
internal sealed class UnavailableScaleTargets(string reason) : IScaleTargets
{
    public ValueTask<ScaledWorkloadLookup> GetAsync(string @namespace, string resource, string name, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ScaledWorkloadLookup.Unknown($"{resource} {@namespace}/{name}: {reason}"));
}
