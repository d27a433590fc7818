using Scaler.Signals.Kubernetes;

namespace MetricsApi.Bench;

/// <summary>Deployments named like their app, each with a policy in its annotations and its /scale selector.</summary>
internal sealed class BenchScaleTargets : IScaleTargets
{
    private static readonly Dictionary<string, string> Policy = new(StringComparer.Ordinal)
    {
        ["scaler.dev/server"] = "vllm",
        ["scaler.dev/sizing"] = "pending",
        ["scaler.dev/pendingRequestsTarget"] = "5",
        ["scaler.dev/minReplicas"] = "1",
        ["scaler.dev/maxReplicas"] = "64",
    };

    public ValueTask<ScaledWorkloadLookup> GetAsync(string @namespace, string resource, string name, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ScaledWorkloadLookup.Found(new ScaledWorkload(@namespace, resource, name, "Deployment", "apps/v1", Policy, $"app={name}", 3, DateTimeOffset.UtcNow)));
}
