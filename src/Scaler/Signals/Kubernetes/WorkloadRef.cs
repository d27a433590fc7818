namespace Scaler.Signals.Kubernetes;

/// <summary>Which workload a trigger is about: the ScaledObject KEDA names, and an optional pod selector override.</summary>
/// <param name="Namespace">The ScaledObject's namespace.</param>
/// <param name="Name">The ScaledObject's name (for the custom metrics API: the scaled object, or the selector it was asked for).</param>
/// <param name="PodSelector">
/// A label selector (<c>app=vllm,tier in (a,b)</c>) from the trigger's <c>podSelector</c> or the scale target's
/// <c>/scale</c> status; overrides the ScaledObject's target. Empty (not null) selects every pod of the namespace.
/// </param>
internal sealed record WorkloadRef(string Namespace, string Name, string? PodSelector = null)
{
    /// <summary>Only this pod of those <see cref="PodSelector"/> selects (the custom metrics API's one-pod reads); null: all of them.</summary>
    public string? PodName { get; init; }

    /// <summary>
    /// What identifies the pods read (in cache keys): the ScaledObject without a selector; with one, only the
    /// namespace and the selector, so every reader of the same pods (a trigger, the HPA's pods metric, a
    /// workload's composite decision) shares one reading and one scrape.
    /// </summary>
    public string Key => (PodSelector, PodName) switch
    {
        (null, _) => $"{Namespace}/{Name}|",
        (_, null) => $"{Namespace}|{PodSelector}",
        _ => $"{Namespace}|{PodSelector}|pod={PodName}",
    };

    /// <summary>The pods <paramref name="selector"/> selects in <paramref name="namespace"/> (every pod there when it is empty).</summary>
    public static WorkloadRef Selected(string @namespace, string selector) =>
        new(@namespace, selector.Length == 0 ? "(every pod)" : selector, selector);

    /// <summary>One pod, by name.</summary>
    public static WorkloadRef OnePod(string @namespace, string pod) =>
        new(@namespace, pod, "") { PodName = pod };
}
