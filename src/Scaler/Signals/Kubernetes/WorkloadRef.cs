namespace Scaler.Signals.Kubernetes;

/// <summary>Which workload a trigger is about: the ScaledObject KEDA names, and an optional pod selector override.</summary>
/// <param name="Namespace">The ScaledObject's namespace.</param>
/// <param name="Name">The ScaledObject's name.</param>
/// <param name="PodSelector">A label selector (<c>app=vllm,tier in (a,b)</c>) from the trigger's <c>podSelector</c>; overrides the scale target's selector.</param>
internal sealed record WorkloadRef(string Namespace, string Name, string? PodSelector = null)
{
    public string Key => $"{Namespace}/{Name}|{PodSelector}";
}
