using Scaler.Decisions;

namespace Scaler.Signals.Keys;

/// <summary>
/// A demand signal (a total of work such as pending requests) and its two keys, target and activation, for
/// the sources that can read it. Pending requests are read from the pods or from Prometheus, so their keys
/// live here, shared; a signal only one source reads (queue length) is declared in that source's folder.
/// </summary>
/// <param name="Name">The signal's name (<see cref="SignalSpec.Name"/>), fixed so explanations and metrics line up.</param>
/// <param name="TargetKey">Its per-replica target.</param>
/// <param name="ActivationKey">Its activation threshold.</param>
/// <param name="DefaultTarget">The target when <paramref name="TargetKey"/> is not given.</param>
internal sealed record DemandSignal(string Name, TriggerKey TargetKey, TriggerKey ActivationKey, double DefaultTarget)
{
    /// <summary>Pending requests per replica, read from the model servers' pods or from Prometheus; target 5 (measured in docs/decisions.md).</summary>
    public static readonly DemandSignal PendingRequests = new(
        "pending-requests",
        new TriggerKey("pendingRequestsTarget", "number > 0", "`5`", "8", "Pending requests per replica (the target measured in docs/decisions.md). Only with a pending-requests signal.", "a positive number of pending requests per replica such as 5")
        {
            Habits = ["threshold"],
        },
        new TriggerKey("activationPendingRequests", "number ≥ 0", "`0`", "2", "Active while pending requests are strictly above this (KEDA's `activation*` rule).", "a number 0 or more such as 0")
        {
            Habits = ["activationThreshold"],
        },
        5);

    /// <summary>Both keys, for a source's <see cref="ITriggerKeys.Keys"/>.</summary>
    public IReadOnlyList<TriggerKey> Keys => [TargetKey, ActivationKey];

    /// <summary>Reads the target and activation keys and adds the signal with <paramref name="query"/> (when it parsed) to <paramref name="trigger"/>.</summary>
    public void Add(TriggerMetadataReader metadata, TriggerBuilder trigger, SignalQuery? query, string identity)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(trigger);
        var target = metadata.Positive(TargetKey.Name) ?? DefaultTarget;
        var activation = metadata.NonNegative(ActivationKey.Name) ?? 0;
        if (query is not null)
        {
            var spec = new SignalSpec(Name, SignalKind.Total, SignalRole.Demand, target) { ActivationThreshold = activation };
            trigger.AddSignal(spec, query, identity, TargetKey.Name, ActivationKey.Name);
        }
    }
}
