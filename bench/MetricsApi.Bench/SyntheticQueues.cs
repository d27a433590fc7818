using Scaler.Decisions;
using Scaler.Signals;
using Scaler.Signals.InferenceServer;
using Scaler.Signals.Kubernetes;

namespace MetricsApi.Bench;

/// <summary>
/// Waiting requests per pod without HTTP, for the memory run: each read returns a new per-pod reading for the
/// workload's pods, as the real source does after its scrapes, so what is measured is the door, the cache and
/// the decisions, not 10,000 loopback scrapes every 2 s.
/// </summary>
internal sealed class SyntheticQueues(IWorkloadPods pods) : ISignalSource<InferenceQueueQuery>
{
    public ValueTask<Reading> ReadAsync(InferenceQueueQuery query, CancellationToken cancellationToken)
    {
        var set = pods.GetPods(query.Workload);
        var values = new PodValue[set.Pods.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = new PodValue(set.Pods[i].Name, i % 7);
        }

        return ValueTask.FromResult(Reading.Fresh(values.Sum(v => v.Value), DateTimeOffset.UtcNow, new Coverage(values.Length, values.Length, [])) with { PerPod = values });
    }
}
