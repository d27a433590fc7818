using Scaler.Signals.Kubernetes;

namespace MetricsApi.Bench;

/// <summary>The Kubernetes view of the bench: every selector selects its workload's ready pods (no API server).</summary>
internal sealed class BenchPods(int podsPerWorkload) : IWorkloadPods
{
    private readonly Dictionary<string, PodSet> _sets = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The pods of selector <c>app=NAME</c>: NAME-000, NAME-001, … all ready on loopback.</summary>
    public PodSet GetPods(WorkloadRef workload)
    {
        var app = (workload.PodSelector ?? "app=vllm").Split('=')[^1];
        lock (_gate)
        {
            if (!_sets.TryGetValue(app, out var set))
            {
                set = new PodSet([.. Enumerable.Range(0, podsPerWorkload).Select(i => new WorkloadPod("llm", $"{app}-{i:D3}", "gpu-node", "127.0.0.1", true))], null, DateTimeOffset.UtcNow);
                _sets[app] = set;
            }

            return set;
        }
    }

    public PodSet GetExporters(IReadOnlyCollection<string> nodeNames) => PodSet.Unknown("no exporters in the bench");
}
