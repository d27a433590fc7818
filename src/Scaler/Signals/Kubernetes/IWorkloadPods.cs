namespace Scaler.Signals.Kubernetes;

/// <summary>
/// The Kubernetes view the signal sources need, answered from watch caches: a call never lists from
/// the API server.
/// </summary>
internal interface IWorkloadPods
{
    /// <summary>The workload's pods: the ScaledObject's <c>scaleTargetRef</c> resolved to its selector, or <see cref="WorkloadRef.PodSelector"/>.</summary>
    PodSet GetPods(WorkloadRef workload);

    /// <summary>The NvmlExporter pods (selected by the configured exporter selector) running on <paramref name="nodeNames"/>.</summary>
    PodSet GetExporters(IReadOnlyCollection<string> nodeNames);

    /// <summary>
    /// The scale target of ScaledObject <paramref name="scaledObject"/> in <paramref name="namespace"/>, from the
    /// ScaledObject cache (asking starts that namespace's cache); null when not known now (no cluster, cache not
    /// synced yet, ScaledObject not found or without a target).
    /// </summary>
    ScaleTarget? GetScaleTarget(string @namespace, string scaledObject) => null;
}
