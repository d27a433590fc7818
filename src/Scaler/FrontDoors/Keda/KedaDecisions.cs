using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scaler.Decisions;
using Scaler.Signals;
using Scaler.Signals.Kubernetes;
using Scaler.Triggers;

namespace Scaler.FrontDoors.Keda;

/// <summary>One decision for one ScaledObject, as the KEDA door serves it.</summary>
/// <param name="Decision">The engine's answer.</param>
/// <param name="Replicas">The counts it was made from.</param>
/// <param name="CannotDecide">
/// True when a signal is unknown, no fallback is set and no known signal asks for more replicas: the
/// engine could only hold. The door answers UNAVAILABLE so KEDA's own fallback can act; never 0.
/// </param>
/// <param name="At">When it was made.</param>
internal sealed record KedaDecision(Decision Decision, ReplicaCounts Replicas, bool CannotDecide, DateTimeOffset At)
{
    public string Reason => Decision.Explanation.ToString();

    /// <summary>The metric name of the trigger it was made for (<see cref="Trigger.MetricName"/>); empty when not known.</summary>
    public string MetricName { get; init; } = "";

    /// <summary>Whether the engine's fallback count raised the result (a signal unknown beyond its limit).</summary>
    public bool InFallback => Decision.Explanation.Limited(Rule.Fallback);
}

/// <summary>A trigger's decision that differs from its previous one in what an operator would want told: the desired count, "cannot decide", or fallback.</summary>
/// <param name="ScaledObject">The ScaledObject of the trigger.</param>
/// <param name="Previous">The trigger's previous decision; null for its first.</param>
/// <param name="Current">The new decision (<see cref="KedaDecision.MetricName"/> names the trigger).</param>
internal sealed record DecisionChange(ScaledObjectKey ScaledObject, KedaDecision? Previous, KedaDecision Current);

/// <summary>
/// Turns a parsed trigger into decisions: reads its signals through the shared <see cref="ReadingCache"/>
/// (never waiting on a slow upstream), counts the workload's replicas from the watch caches, and asks the
/// pure engine, keeping one <see cref="EngineState"/> per trigger. A ScaledObject may have several Scaler
/// triggers: KEDA sends each with the same name and namespace and its own metadata, so a trigger is the
/// ScaledObject plus <see cref="Trigger.MetricName"/> (which differs when triggers read different things;
/// identical metadata is the same trigger). A decision is reused for a moment (KEDA asks GetMetrics and
/// IsActive back to back in one poll) unless a signal it used was refreshed.
/// </summary>
internal sealed partial class KedaDecisions : IDisposable
{
    private static readonly TimeSpan ReuseFor = TimeSpan.FromSeconds(1);
    private const int MaxSpecs = 10_000;

    /// <summary>
    /// A trigger nobody asked about for this long is forgotten: its engine state, its last decision, its
    /// metric series and its index entries (KEDA asks every polling interval, 30 s by default, and an open
    /// push stream re-decides at least every 5 s; a trigger that stops being asked was deleted or renamed).
    /// </summary>
    internal static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(15);

    /// <summary>Parsed specs kept per ScaledObject (one per Scaler trigger; more than this re-parse in turn).</summary>
    internal const int SpecsPerScaledObject = 8;

    private readonly ReadingCache _cache;
    private readonly IWorkloadPods _pods;
    private readonly TimeProvider _time;
    private readonly TriggerParser _parser;
    private readonly ILogger _log;
    private readonly KedaMetrics _metrics;
    private readonly ConcurrentDictionary<(ScaledObjectKey ScaledObject, string MetricName), Workload> _workloads = new();
    private readonly ConcurrentDictionary<(string Namespace, string Name), ParsedTrigger[]> _specs = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<(ScaledObjectKey ScaledObject, string MetricName), byte>> _byReadingKey = new(StringComparer.Ordinal);
    private readonly ITimer _sweeper;
    private int _outOfClusterLogged;
    private int _parses;

    public KedaDecisions(ReadingCache cache, IWorkloadPods pods, TimeProvider time, TriggerParser parser, KedaMetrics metrics, ILogger<KedaDecisions> log)
    {
        _metrics = metrics;
        _cache = cache;
        _pods = pods;
        _time = time;
        _parser = parser;
        _log = log;
        _cache.Refreshed += OnRefreshed;
        var sweep = ForgetAfter / 5;
        _sweeper = time.CreateTimer(static self => ((KedaDecisions)self!).ForgetIdle(), this, sweep, sweep);
    }

    /// <summary>
    /// Raised (on the deciding call's thread, under the trigger's gate) when a trigger's decision changed its
    /// desired count, or entered or left "cannot decide" or fallback; and for a trigger's first decision.
    /// Handlers must return at once and never throw: they run inside a gRPC call.
    /// </summary>
    public event Action<DecisionChange>? DecisionChanged;

    /// <summary>The last decision per trigger, for the explanation endpoint (<see cref="KedaDecision.MetricName"/> names the trigger).</summary>
    public IEnumerable<(ScaledObjectKey ScaledObject, KedaDecision Decision)> Latest =>
        _workloads.Where(w => w.Value.Last is not null).Select(w => (w.Key.ScaledObject, w.Value.Last!));

    /// <summary>The last decision of each trigger of <paramref name="scaledObject"/>, ordered by metric name; empty when none.</summary>
    public IReadOnlyList<KedaDecision> LatestFor(ScaledObjectKey scaledObject) =>
        [.. _workloads.Where(w => w.Key.ScaledObject == scaledObject && w.Value.Last is not null)
            .Select(w => w.Value.Last!)
            .OrderBy(d => d.MetricName, StringComparer.Ordinal)];

    /// <summary>How many times metadata was parsed (a cache miss); tests check that known metadata is not re-parsed.</summary>
    internal int ParseCount => Volatile.Read(ref _parses);

    /// <summary>
    /// Parses a trigger's metadata; false with every error, each naming its key. KEDA sends the same
    /// metadata with every call, so the specs parsed for a ScaledObject (a few: one per Scaler trigger) are
    /// reused while the metadata is the same, compared pair by pair: no sorting, no key string and no
    /// allocation per call.
    /// </summary>
    public bool TryParse(string @namespace, string name, IReadOnlyDictionary<string, string> metadata, out Trigger? spec, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var id = (@namespace ?? "", name ?? "");
        if (_specs.TryGetValue(id, out var parsedBefore))
        {
            foreach (var candidate in parsedBefore)
            {
                if (candidate.SameMetadata(metadata))
                {
                    spec = candidate.Spec;
                    errors = [];
                    return true;
                }
            }
        }

        Interlocked.Increment(ref _parses);
        var scaledObject = new ScaledObjectKey(id.Item1, id.Item2);
        var problems = new List<string>();
        if (string.IsNullOrEmpty(@namespace))
        {
            problems.Add("namespace: the ScaledObject's namespace is required");
        }

        if (string.IsNullOrEmpty(name))
        {
            problems.Add("name: the ScaledObject's name is required");
        }

        var parsed = _parser.TryParse(scaledObject, metadata, KedaMetadataKeys.Ignored, out spec, out var metadataErrors);
        problems.AddRange(metadataErrors);
        errors = problems;
        if (!parsed || problems.Count > 0)
        {
            return false;
        }

        if (_specs.Count >= MaxSpecs)
        {
            _specs.Clear();
        }

        // Copy on write: readers iterate an array that never changes. The newest spec goes first; beyond
        // SpecsPerScaledObject the oldest is dropped (it is parsed again if its trigger comes back).
        var entry = new ParsedTrigger(new Dictionary<string, string>(metadata, StringComparer.Ordinal), spec!);
        _specs.AddOrUpdate(
            id,
            static (_, e) => [e],
            static (_, existing, e) => [e, .. existing.Where(p => !p.SameMetadata(e.Metadata)).Take(SpecsPerScaledObject - 1)],
            entry);
        return true;
    }

    /// <summary>A spec and the metadata it was parsed from.</summary>
    private sealed record ParsedTrigger(Dictionary<string, string> Metadata, Trigger Spec)
    {
        /// <summary>
        /// Same count and every stored pair present with the same value means the same map (keys are unique).
        /// Enumerates the stored Dictionary (a struct enumerator) and looks up the caller's map, so nothing is
        /// allocated, whatever type the caller's map is.
        /// </summary>
        public bool SameMetadata(IReadOnlyDictionary<string, string> metadata)
        {
            if (metadata.Count != Metadata.Count)
            {
                return false;
            }

            foreach (var (key, value) in Metadata)
            {
                if (!metadata.TryGetValue(key, out var other) || !string.Equals(value, other, StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }
    }

    public async ValueTask<KedaDecision> DecideAsync(Trigger spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var trigger = (spec.ScaledObject, spec.MetricName);
        var workload = _workloads.GetOrAdd(trigger, static _ => new Workload());
        if (!ReferenceEquals(Volatile.Read(ref workload.IndexedFor), spec))
        {
            // Once per spec, not per call: which readings make this trigger's last decision old.
            foreach (var query in spec.Queries.Values)
            {
                Index(query.Key, trigger);
            }

            Volatile.Write(ref workload.IndexedFor, spec);
        }

        var now = _time.GetUtcNow();
        Volatile.Write(ref workload.LastAskedTicks, now.UtcTicks);

        // The version before the reads: a refresh that lands while this call reads makes the next call decide
        // again, instead of being cleared by this one.
        var version = Volatile.Read(ref workload.Version);
        if (workload.Last is { } recent && workload.DecidedVersion == version && now - recent.At < ReuseFor && ReferenceEquals(workload.Spec, spec))
        {
            return recent;
        }

        var read = await Task.WhenAll(spec.Queries.Select(q => ReadAsync(q.Key, q.Value, cancellationToken))).ConfigureAwait(false);
        var readings = new Dictionary<string, Reading>(read.Length, StringComparer.Ordinal);
        foreach (var (name, reading) in read)
        {
            readings[name] = reading;
        }

        await workload.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            now = _time.GetUtcNow();
            workload.DecidedVersion = version;
            var replicas = CountReplicas(spec, workload);
            var decision = DecisionEngine.Decide(spec.Policy, new DecisionInput(now, replicas, readings), workload.State);

            // Only signals that take part (the engine says which): a reported-only GPU signal that is unknown changes nothing.
            var cannotDecide = spec.Policy.FallbackReplicas is null
                && !decision.UnknownSignals.IsEmpty
                && decision.DesiredReplicas <= replicas.Current;
            var result = new KedaDecision(decision, replicas, cannotDecide, now) { MetricName = spec.MetricName };
            var previous = workload.Last;
            var changed = previous is null || previous.Decision.DesiredReplicas != decision.DesiredReplicas;
            _metrics.Record(spec.ScaledObject, spec.MetricName, result, changed);
            if (changed)
            {
                LogDesiredChanged(_log, spec.ScaledObject, spec.MetricName, previous?.Decision.DesiredReplicas ?? -1, decision.DesiredReplicas, decision.Explanation);
            }

            workload.State = decision.State;
            workload.Spec = spec;
            workload.Last = result;
            if (changed || previous!.CannotDecide != cannotDecide || previous.InFallback != result.InFallback)
            {
                NotifyChanged(new DecisionChange(spec.ScaledObject, previous, result));
            }

            return result;
        }
        finally
        {
            workload.Gate.Release();
        }
    }

    public void Dispose()
    {
        _sweeper.Dispose();
        _cache.Refreshed -= OnRefreshed;
    }

    /// <summary>Forgets triggers not asked about for <see cref="ForgetAfter"/> (runs on a timer; also called by tests). Never throws.</summary>
    internal void ForgetIdle()
    {
        try
        {
            Forget((_time.GetUtcNow() - ForgetAfter).UtcTicks);
        }
#pragma warning disable CA1031 // A timer callback: a failure is logged, the next sweep tries again.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogSweepFailed(_log, exception);
        }
    }

    private void Forget(long cutoff)
    {
        foreach (var (trigger, workload) in _workloads)
        {
            if (Volatile.Read(ref workload.LastAskedTicks) >= cutoff || !_workloads.TryRemove(new KeyValuePair<(ScaledObjectKey, string), Workload>(trigger, workload)))
            {
                continue;
            }

            if ((workload.IndexedFor ?? workload.Spec) is { } spec)
            {
                foreach (var query in spec.Queries.Values)
                {
                    if (_byReadingKey.TryGetValue(query.Key, out var triggers))
                    {
                        triggers.TryRemove(trigger, out _);
                    }
                }
            }

            // Only this trigger's parsed spec: its siblings on the same ScaledObject keep theirs. Conditional
            // updates: if TryParse changed the entry meanwhile, the spec stays cached, which is harmless.
            var id = (trigger.ScaledObject.Namespace, trigger.ScaledObject.Name);
            if (_specs.TryGetValue(id, out var parsed))
            {
                ParsedTrigger[] kept = [.. parsed.Where(p => p.Spec.MetricName != trigger.MetricName)];
                _ = kept.Length == 0 ? _specs.TryRemove(new KeyValuePair<(string, string), ParsedTrigger[]>(id, parsed)) : _specs.TryUpdate(id, kept, parsed);
            }

            _metrics.Forget(trigger.ScaledObject, trigger.MetricName);
            LogForgotten(_log, trigger.ScaledObject, trigger.MetricName, ForgetAfter);
        }

        foreach (var (key, triggers) in _byReadingKey)
        {
            // An empty set goes; one that gained a trigger while it was being removed goes back (Index checks too).
            if (triggers.IsEmpty && _byReadingKey.TryRemove(new KeyValuePair<string, ConcurrentDictionary<(ScaledObjectKey, string), byte>>(key, triggers)) && !triggers.IsEmpty)
            {
                foreach (var (trigger, _) in triggers)
                {
                    Index(key, trigger);
                }
            }
        }
    }

    /// <summary>Which triggers a reading's refresh makes old; safe against <see cref="Forget"/> removing an empty set meanwhile.</summary>
    private void Index(string readingKey, (ScaledObjectKey ScaledObject, string MetricName) trigger)
    {
        while (true)
        {
            var triggers = _byReadingKey.GetOrAdd(readingKey, static _ => new());
            triggers.TryAdd(trigger, 0);
            if (_byReadingKey.TryGetValue(readingKey, out var indexed) && ReferenceEquals(indexed, triggers))
            {
                return;
            }
        }
    }

    // Handlers run inside a gRPC call: one that throws must not fail the call or end a push stream.
    private void NotifyChanged(DecisionChange change)
    {
        try
        {
            DecisionChanged?.Invoke(change);
        }
#pragma warning disable CA1031 // A failing subscriber is logged; the decision stands.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogSubscriberFailed(_log, change.ScaledObject, exception);
        }
    }

    private async Task<(string Name, Reading Reading)> ReadAsync(string signal, SignalQuery query, CancellationToken cancellationToken)
    {
        // The cache finds the query's source by its run-time type.
        var reading = await _cache.GetAsync(query, cancellationToken).ConfigureAwait(false);
        return (signal, reading);
    }

    private ReplicaCounts CountReplicas(Trigger spec, Workload workload)
    {
        var pods = _pods.GetPods(spec.Workload);
        if (pods.IsKnown)
        {
            return new ReplicaCounts(pods.Pods.Count, pods.Pods.Count(p => p.Ready));
        }

        // Out of a cluster (or before the watch caches are synced): the door's own last answer is the best
        // knowledge of the current count, and it is all ready as far as anyone can tell.
        if (Interlocked.Exchange(ref _outOfClusterLogged, 1) == 0)
        {
            LogReplicasFromOwnDecisions(_log, pods.UnavailableReason ?? "unknown");
        }

        var last = workload.Last?.Decision.DesiredReplicas ?? spec.Policy.MinReplicas;
        return new ReplicaCounts(last, last);
    }

    private void OnRefreshed(string readingKey)
    {
        if (!_byReadingKey.TryGetValue(readingKey, out var scaledObjects))
        {
            return;
        }

        // Enumerated in place (no snapshot of the keys, no lock): a trigger added meanwhile is decided afresh anyway.
        foreach (var (trigger, _) in scaledObjects)
        {
            if (_workloads.TryGetValue(trigger, out var workload))
            {
                Interlocked.Increment(ref workload.Version);
            }
        }
    }

    private sealed class Workload
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public EngineState State { get; set; } = EngineState.Initial;

        public Trigger? Spec { get; set; }

        public KedaDecision? Last { get; set; }

        /// <summary>Raised by every refresh of one of the trigger's readings.</summary>
        public long Version;

        /// <summary>The <see cref="Version"/> the last decision's reads started from.</summary>
        public long DecidedVersion;

        public long LastAskedTicks;

        /// <summary>The spec whose readings were last indexed for <see cref="OnRefreshed"/>.</summary>
        public Trigger? IndexedFor;
    }

    [LoggerMessage(EventId = 650, Level = LogLevel.Information, Message = "{ScaledObject} ({MetricName}): desired replicas {From} -> {To}: {Explanation}")]
    private static partial void LogDesiredChanged(ILogger logger, ScaledObjectKey scaledObject, string metricName, int from, int to, Explanation explanation);

    [LoggerMessage(EventId = 652, Level = LogLevel.Information, Message = "{ScaledObject} ({MetricName}): not asked about for {ForgetAfter}; its state, last decision and metric series are forgotten")]
    private static partial void LogForgotten(ILogger logger, ScaledObjectKey scaledObject, string metricName, TimeSpan forgetAfter);

    [LoggerMessage(EventId = 653, Level = LogLevel.Warning, Message = "Forgetting idle triggers failed; the next sweep tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 654, Level = LogLevel.Warning, Message = "{ScaledObject}: a subscriber to decision changes failed; the decision stands")]
    private static partial void LogSubscriberFailed(ILogger logger, ScaledObjectKey scaledObject, Exception exception);

    [LoggerMessage(EventId = 651, Level = LogLevel.Warning, Message = "Replica counts are not available from Kubernetes ({Reason}); taking the scaler's own last decision as the current count")]
    private static partial void LogReplicasFromOwnDecisions(ILogger logger, string reason);
}
