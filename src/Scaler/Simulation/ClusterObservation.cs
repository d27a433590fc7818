namespace Scaler.Simulation;

/// <summary>What a scaling loop can observe of the deployment at one instant.</summary>
/// <param name="Current">Replicas asked for (starting or ready; draining ones excluded).</param>
/// <param name="Ready">Of those, replicas that serve.</param>
/// <param name="Waiting">Requests waiting for a slot, at the entry or in a replica's queue (queue depth).</param>
/// <param name="Outstanding">Requests accepted and not finished: waiting plus running (pending requests).</param>
/// <param name="GpuUtilization">Mean busy fraction of ready replicas over the utilization window; null without ready replicas.</param>
internal readonly record struct ClusterObservation(int Current, int Ready, int Waiting, int Outstanding, double? GpuUtilization)
{
    /// <summary>Requests a replica runs (vLLM's <c>num_requests_running</c>, summed).</summary>
    public int Running => Outstanding - Waiting;

    /// <summary>Mean KV-cache use (0..1) of ready replicas (slots used in the classic model); null without ready replicas.</summary>
    public double? KvCacheUsage { get; init; }

    /// <summary>The servers' counters summed over every replica that ever ran, as <c>sum(rate())</c> sees them.</summary>
    public WorkCounters Counters { get; init; }
}
