using Scaler.Signals.Kubernetes;

namespace Scaler.Signals;

/// <summary>
/// A metric a source serves per pod through the custom metrics API (<c>pods/*/DCGM_FI_DEV_GPU_UTIL</c>): its name,
/// what it means, and how to build the source's query for a set of pods. The source's reading carries the
/// values per pod (<see cref="Decisions.Reading.PerPod"/>); the front door multiplies them by <see cref="Scale"/>
/// and names no source. A source registers its metrics with <c>AddPodMetric</c>, as it registers its trigger keys.
/// </summary>
/// <param name="Name">The metric name the HPA asks for.</param>
/// <param name="Meaning">What one pod's value is, with its unit (discovery and docs).</param>
/// <param name="Query">The source's query for a set of pods and the metric labels the HPA sent (<c>metric.selector</c>).</param>
internal sealed record PodMetric(string Name, string Meaning, PodQueryFactory Query)
{
    /// <summary>The factor between the reading's per-pod values and the metric's unit (MiB from bytes: 1/2^20). Default 1.</summary>
    public double Scale { get; init; } = 1;

    /// <summary>The metric labels the query reads (<c>server</c>), for docs and for refusing others; default none.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];
}
