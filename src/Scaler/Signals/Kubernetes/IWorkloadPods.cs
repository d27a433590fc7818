namespace Scaler.Signals.Kubernetes;

/// <summary>Which workload a trigger is about: the ScaledObject KEDA names, and an optional pod selector override.</summary>
/// <param name="Namespace">The ScaledObject's namespace.</param>
/// <param name="Name">The ScaledObject's name.</param>
/// <param name="PodSelector">A label selector (<c>app=vllm,tier in (a,b)</c>) from the trigger's <c>podSelector</c>; overrides the scale target's selector.</param>
internal sealed record WorkloadRef(string Namespace, string Name, string? PodSelector = null)
{
    public string Key => $"{Namespace}/{Name}|{PodSelector}";
}

/// <summary>A pod as the watch cache knows it.</summary>
internal sealed record WorkloadPod(string Namespace, string Name, string? NodeName, string? PodIp, bool Ready);

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

/// <summary>The object a ScaledObject scales (its <c>spec.scaleTargetRef</c>), as an event's involved object names it.</summary>
/// <param name="ApiVersion">Group and version (<c>apps/v1</c>).</param>
/// <param name="Kind">Kind (<c>Deployment</c>).</param>
/// <param name="Namespace">The ScaledObject's namespace (a scale target lives beside it).</param>
/// <param name="Name">The target's name.</param>
/// <param name="Uid">The target's uid when its cache knows it, else null.</param>
internal sealed record ScaleTarget(string ApiVersion, string Kind, string Namespace, string Name, string? Uid);

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
