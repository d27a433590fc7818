using System.Diagnostics.CodeAnalysis;
using Scaler.Decisions;
using Scaler.Signals;
using Scaler.Signals.Keys;

namespace Scaler.Triggers;

/// <summary>
/// Parses a trigger's metadata (the user's API, docs/keda-metadata.md) into a <see cref="Trigger"/>: the
/// workload and policy keys here, the signal keys by each registered source (<see cref="ITriggerKeys"/>), in
/// registration order. Every key read once, every error collected, each naming its key (STYLE rule 5). Pure:
/// no I/O, no clock, so a front door can call it on every request or cache by metadata. No front door names a
/// source: adding one adds its keys here.
/// </summary>
internal sealed class TriggerParser
{
    private readonly IReadOnlyList<ITriggerKeys> _sources;

    public TriggerParser(IEnumerable<ITriggerKeys> sources)
    {
        _sources = [.. sources];
        Keys = new TriggerKeyCatalog(_sources);
    }

    /// <summary>Every key a trigger may have.</summary>
    public TriggerKeyCatalog Keys { get; }

    /// <summary>
    /// Parses <paramref name="metadata"/> (with <c>*FromEnv</c> keys already resolved to values by KEDA). On
    /// failure <paramref name="errors"/> lists every problem, each starting with the key it is about and saying
    /// what was expected with an example; values that may hold credentials are never repeated.
    /// </summary>
    /// <param name="scaledObject">The object the trigger scales.</param>
    /// <param name="metadata">The trigger metadata.</param>
    /// <param name="ignored">Keys that belong to the front door's caller (KEDA's own), accepted and not read.</param>
    /// <param name="trigger">The parsed trigger; null on failure.</param>
    /// <param name="errors">Every problem; empty on success.</param>
    /// <param name="targetSelector">
    /// The scale target's pod selector when the front door knows it (the custom metrics API reads it from the
    /// target's <c>/scale</c>); the pod-reading signals read the pods it selects unless <c>podSelector</c> is given.
    /// </param>
    public bool TryParse(
        ScaledObjectKey scaledObject,
        IReadOnlyDictionary<string, string> metadata,
        IReadOnlySet<string> ignored,
        [NotNullWhen(true)] out Trigger? trigger,
        out IReadOnlyList<string> errors,
        string? targetSelector = null)
    {
        ArgumentNullException.ThrowIfNull(scaledObject);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(ignored);

        // Sizes first: oversized input is refused before anything is parsed or repeated (MetadataLimits).
        var oversized = MetadataLimits.Check(scaledObject, metadata, Keys.ByName.ContainsKey);
        if (oversized.Count > 0)
        {
            trigger = null;
            errors = oversized;
            return false;
        }

        var reader = new TriggerMetadataReader(metadata, Keys.ByName);
        RefuseUnknownKeys(metadata, ignored, reader);
        if (string.IsNullOrWhiteSpace(scaledObject.Namespace) || string.IsNullOrWhiteSpace(scaledObject.Name))
        {
            reader.AddError("scaledObjectRef: the ScaledObject's name and namespace are required");
        }

        reader.RefuseEmptyValues();
        var staleAfter = PolicyKeys.ReadStaleAfter(reader);
        var builder = new TriggerBuilder(WorkloadKeys.Read(reader, scaledObject.Namespace, scaledObject.Name, targetSelector));
        var on = ParseSources(reader, builder);
        RefuseConflicts(reader, builder);
        RefuseOrphans(reader, on);
        RefusePendingKeysUnderCapacity(reader, builder);
        if (on.Count == 0)
        {
            reader.AddError(
                $"{string.Join(", ", _sources.SelectMany(s => s.SwitchKeys))}: at least one signal is required: {JoinOr(_sources.Select(s => s.Example))}");
        }

        var policy = PolicyKeys.Read(reader, [.. builder.Signals.Select(s => s.Spec with { StalenessLimit = staleAfter })], builder.Saturation, builder.Capacity);
        RefuseZeroWithPodDemandOnly(reader, policy, builder, on);
        PolicyKeys.Validate(reader, policy, builder.Signals);

        errors = reader.Errors;
        trigger = null;
        if (errors.Count == 0)
        {
            var queries = builder.Signals.ToDictionary(s => s.Spec.Name, s => s.Query, StringComparer.Ordinal);
            foreach (var (name, query) in builder.Inputs)
            {
                queries[name] = query;
            }

            var identities = builder.Signals.Select(s => s.Identity).Concat(builder.CapacityIdentity is { } capacity ? [capacity] : []);
            trigger = new Trigger(scaledObject, policy, queries, MetricNames.For(scaledObject, identities))
            {
                Workload = queries.Values.Select(q => q.Pods).FirstOrDefault(p => p is not null) ?? new(scaledObject.Namespace, scaledObject.Name),
            };
        }

        return trigger is not null;
    }

    // Keys that look like ours but are not (another casing, a typo, a built-in scaler's name); sorted, so the
    // same metadata gives the same errors in the same order.
    private void RefuseUnknownKeys(IReadOnlyDictionary<string, string> metadata, IReadOnlySet<string> ignored, TriggerMetadataReader reader)
    {
        foreach (var key in metadata.Keys.Order(StringComparer.Ordinal))
        {
            if (!Keys.ByName.ContainsKey(key) && !ignored.Contains(key) && Keys.Unknown(key) is { } error)
            {
                reader.AddError(error);
            }
        }
    }

    /// <summary>Each source one of whose switch keys is given parses its keys; the sources that did.</summary>
    private List<ITriggerKeys> ParseSources(TriggerMetadataReader reader, TriggerBuilder builder)
    {
        var on = new List<ITriggerKeys>();
        foreach (var source in _sources)
        {
            if (source.SwitchKeys.Any(reader.Has))
            {
                on.Add(source);
                builder.Source = source;
                source.Parse(reader, builder);
            }
        }

        builder.Source = null;
        return on;
    }

    // Under capacity sizing the pods' pending requests are an input, not a signal: their target and activation
    // keys set nothing unless another source reads pending requests.
    private static void RefusePendingKeysUnderCapacity(TriggerMetadataReader reader, TriggerBuilder builder)
    {
        var pending = DemandSignal.PendingRequests;
        if (builder.Capacity is null || builder.Signals.Any(s => s.Spec.Name == pending.Name))
        {
            return;
        }

        foreach (var key in new[] { pending.TargetKey.Name, pending.ActivationKey.Name }.Where(k => reader.Has(k) && !reader.Failed(k)))
        {
            reader.Fail(key, "only used with sizing: pending (capacity sizing, the default for vllm and tgi, holds sloTimeToFirstToken instead) or with pending requests from Prometheus");
        }
    }

    // Two sources for one signal (pending requests from the pods and from Prometheus): it is read from one place.
    private static void RefuseConflicts(TriggerMetadataReader reader, TriggerBuilder builder)
    {
        foreach (var (first, second, signal) in builder.Conflicts)
        {
            reader.AddError($"{FirstGiven(reader, first)}, {FirstGiven(reader, second)}: {signal} is read from one place: {first.Usage} or {second.Usage}, not both");
        }
    }

    // Every key given must take effect: a source's key while no source that reads it is on does nothing.
    private void RefuseOrphans(TriggerMetadataReader reader, List<ITriggerKeys> on)
    {
        foreach (var key in reader.Given.ToList())
        {
            var owners = _sources.Where(s => s.Keys.Any(k => k.Name == key)).ToList();
            if (owners.Count > 0 && !owners.Exists(on.Contains))
            {
                reader.Orphans($"only used with {Keys.ByName[key].UsedWith ?? JoinOr(owners.Select(s => s.Usage))}", key);
            }
        }

        if (!on.Exists(s => s.ReadsPods))
        {
            var podKeys = _sources.Where(s => s.ReadsPods).SelectMany(s => s.SwitchKeys);
            reader.Orphans($"only used by signals read from the workload's pods ({JoinOr(podKeys)})", WorkloadKeys.PodSelector);
        }
    }

    // The pods have no one to ask at zero replicas (docs/signals.md): with demand seen only there, a workload at
    // zero would never scale up again.
    private void RefuseZeroWithPodDemandOnly(TriggerMetadataReader reader, ScalingPolicy policy, TriggerBuilder builder, List<ITriggerKeys> on)
    {
        var demand = builder.Signals.Where(s => s.Spec.Role == SignalRole.Demand).ToList();
        var fromPods = demand.Where(s => s.Query.Pods is not null).Select(s => s.Spec.Name).ToList();
        if (builder.Capacity is not null && builder.Inputs.Any(i => i.Query.Pods is not null))
        {
            // Capacity sizing is demand too, and its work signals are read from the pods.
            fromPods.Add(Decisions.Capacity.CapacitySizing.SignalName);
        }

        var elsewhere = demand.Exists(s => s.Query.Pods is null) || on.Exists(s => !s.ReadsPods && !demand.Exists(d => d.Source == s));
        if (policy.MinReplicas != 0 || reader.Failed(PolicyKeys.MinReplicas) || fromPods.Count == 0 || elsewhere)
        {
            return;
        }

        reader.Fail(
            PolicyKeys.MinReplicas,
            $"{(reader.Has(PolicyKeys.MinReplicas) ? "0" : "0 (the default)")} lets the workload scale to zero, but {string.Join(", ", fromPods)} read from the pods cannot be seen while no pod runs, " +
            $"so it would never scale up again; set {PolicyKeys.MinReplicas}: 1 or more, or add demand read outside the pods: {JoinOr(_sources.Where(s => !s.ReadsPods).Select(s => s.Example))}");
    }

    private static string FirstGiven(TriggerMetadataReader reader, ITriggerKeys source) => source.SwitchKeys.First(reader.Has);

    private static string JoinOr(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count <= 1 ? string.Concat(list) : $"{string.Join(", ", list.Take(list.Count - 1))} or {list[^1]}";
    }
}
