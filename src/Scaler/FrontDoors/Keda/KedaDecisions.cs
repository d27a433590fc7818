using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scaler.Decisions;
using Scaler.Leadership;
using Scaler.Signals;
using Scaler.Triggers;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// Turns a parsed trigger into decisions: reads its signals through the shared <see cref="ReadingCache"/>
/// (never waiting on a slow upstream), counts the workload's replicas (<see cref="ReplicaCounter"/>) and asks
/// the pure engine, keeping one <see cref="TriggerState"/> per trigger (<see cref="TriggerId"/>). A decision is
/// reused for a moment (KEDA asks GetMetrics and IsActive back to back in one poll) unless a signal it used
/// was refreshed (<see cref="RefreshIndex"/>). Triggers not asked about for <see cref="ForgetAfter"/> are forgotten.
/// A new trigger takes a place under the live-trigger limits (<see cref="TriggerAdmission"/>) and gives it back
/// when forgotten. State is trusted only within the leadership term it was made in (<see cref="Leadership.Leadership"/>):
/// a trigger's first decision in a term starts from <see cref="EngineState.TakingOver"/>, conservative until a
/// full down-stabilization window has passed since this replica took over.
/// </summary>
internal sealed partial class KedaDecisions : ITriggerDecider, IDisposable
{
    private static readonly TimeSpan ReuseFor = TimeSpan.FromSeconds(1);

    private readonly ReadingCache _cache;
    private readonly KedaTriggerCache _triggers;
    private readonly ReplicaCounter _replicas;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly KedaMetrics _metrics;
    private readonly ConcurrentDictionary<TriggerId, TriggerState> _states = new();
    private readonly RefreshIndex _index = new();
    private readonly ITimer _sweeper;
    private readonly TriggerAdmission _admission;
    private readonly Leadership.Leadership _leadership;

    public KedaDecisions(
        ReadingCache cache,
        KedaTriggerCache triggers,
        ReplicaCounter replicas,
        TimeProvider time,
        KedaMetrics metrics,
        TriggerAdmission admission,
        Leadership.Leadership leadership,
        IOptions<TriggerLimitsOptions> limits,
        ILogger<KedaDecisions> log)
    {
        ArgumentNullException.ThrowIfNull(limits);
        _cache = cache;
        _triggers = triggers;
        _replicas = replicas;
        _time = time;
        _metrics = metrics;
        _admission = admission;
        _leadership = leadership;
        _log = log;
        ForgetAfter = limits.Value.ForgetAfter;
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

    /// <summary>
    /// Raised for every decision the engine makes (not for one reused within a second), with the readings it
    /// decided on, on the deciding call's thread under the trigger's gate: for the page's history. Handlers
    /// must return at once and never throw.
    /// </summary>
    public event Action<DecisionMade>? Decided;

    /// <summary>Raised (on the sweeping timer's thread) for each trigger forgotten. Handlers must return at once and never throw.</summary>
    public event Action<TriggerId>? Forgotten;

    /// <summary>
    /// A trigger nobody asked about for this long is forgotten: its engine state, its last decision, its
    /// metric series, its index entries and its place under the limits (<see cref="TriggerLimitsOptions.ForgetAfter"/>).
    /// </summary>
    public TimeSpan ForgetAfter { get; }

    /// <summary>Triggers with state now.</summary>
    public int Count => _states.Count;

    /// <summary>The last decision per trigger, for the explanation endpoint.</summary>
    public IEnumerable<(TriggerId Trigger, Decision Decision)> Latest =>
        _states.Where(s => s.Value.Last is not null).Select(s => (s.Key, s.Value.Last!));

    /// <summary>The last decision of each trigger of <paramref name="scaledObject"/>, ordered by metric name; empty when none.</summary>
    public IReadOnlyList<(TriggerId Trigger, Decision Decision)> LatestFor(ScaledObjectKey scaledObject) =>
        [.. Latest.Where(d => d.Trigger.ScaledObject == scaledObject).OrderBy(d => d.Trigger.MetricName, StringComparer.Ordinal)];

    public async ValueTask<Decision> DecideAsync(Trigger trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var id = TriggerId.Of(trigger);
        var state = StateOf(id);
        IndexOnce(trigger, id, state);

        var now = _time.GetUtcNow();
        Volatile.Write(ref state.LastAskedTicks, now.UtcTicks);

        // The version before the reads: a refresh that lands while this call reads makes the next call decide
        // again, instead of being cleared by this one.
        var version = Volatile.Read(ref state.Version);
        if (state.Last is { } recent && state.DecidedVersion == version && now - recent.At < ReuseFor && ReferenceEquals(state.Trigger, trigger) && state.Term == _leadership.Term)
        {
            return recent;
        }

        var readings = await ReadAsync(trigger, cancellationToken).ConfigureAwait(false);
        await state.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // State from an earlier term is not trusted: another replica may have decided since.
            var term = _leadership.Term;
            if (state.Term != term)
            {
                state.Term = term;
                state.Engine = EngineState.TakingOver(_leadership.LeadingSince ?? _time.GetUtcNow());
                state.Last = null;
            }

            state.DecidedVersion = version;
            var previous = state.Last;
            var replicas = _replicas.Count(trigger, previous);
            var decision = DecisionEngine.Decide(trigger.Policy, new DecisionInput(_time.GetUtcNow(), replicas, readings), state.Engine);
            Record(id, previous, decision);
            NotifyDecided(new DecisionMade(trigger, decision, readings));
            state.Engine = decision.State;
            state.Trigger = trigger;
            state.Last = decision;
            return decision;
        }
        finally
        {
            state.Gate.Release();
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

    /// <summary>The state of <paramref name="id"/>; a new trigger is admitted under the limits first (<see cref="TriggerLimitException"/> when refused).</summary>
    private TriggerState StateOf(TriggerId id)
    {
        if (_states.TryGetValue(id, out var state))
        {
            return state;
        }

        var ns = id.ScaledObject.Namespace;
        if (!_admission.TryAdmit(ns, out var refusal))
        {
            throw new TriggerLimitException(refusal!);
        }

        var added = new TriggerState();
        if (_states.TryAdd(id, added))
        {
            return added;
        }

        _admission.Release(ns);
        return _states[id];
    }

    /// <summary>Each signal's reading, from the cache (which finds the query's source by its run-time type).</summary>
    private async Task<Dictionary<string, Reading>> ReadAsync(Trigger trigger, CancellationToken cancellationToken)
    {
        var read = await Task.WhenAll(trigger.Queries.Select(async q => (Signal: q.Key, Reading: await _cache.GetAsync(q.Value, cancellationToken).ConfigureAwait(false)))).ConfigureAwait(false);
        var readings = new Dictionary<string, Reading>(read.Length, StringComparer.Ordinal);
        foreach (var (signal, reading) in read)
        {
            readings[signal] = reading;
        }

        return readings;
    }

    /// <summary>Metrics, the log line of a new count, and the change event for an operator.</summary>
    private void Record(TriggerId id, Decision? previous, Decision decision)
    {
        var changed = previous is null || previous.DesiredReplicas != decision.DesiredReplicas;
        _metrics.Record(id, decision, changed);
        if (changed)
        {
            LogDesiredChanged(_log, id.ScaledObject, id.MetricName, previous?.DesiredReplicas ?? -1, decision.DesiredReplicas, decision.Explanation);
        }

        if (changed || previous!.CannotDecide != decision.CannotDecide || previous.InFallback != decision.InFallback)
        {
            NotifyChanged(new DecisionChange(id, previous, decision));
        }
    }

    // Once per trigger, not per call: which readings make this trigger's last decision old.
    private void IndexOnce(Trigger trigger, TriggerId id, TriggerState state)
    {
        if (ReferenceEquals(Volatile.Read(ref state.IndexedFor), trigger))
        {
            return;
        }

        foreach (var query in trigger.Queries.Values)
        {
            _index.Add(query.Key, id);
        }

        Volatile.Write(ref state.IndexedFor, trigger);
    }

    private void Forget(long cutoff)
    {
        foreach (var (id, state) in _states)
        {
            if (Volatile.Read(ref state.LastAskedTicks) >= cutoff || !_states.TryRemove(new KeyValuePair<TriggerId, TriggerState>(id, state)))
            {
                continue;
            }

            foreach (var query in (state.IndexedFor ?? state.Trigger)?.Queries.Values ?? [])
            {
                _index.Remove(query.Key, id);
            }

            _triggers.Forget(id);
            _metrics.Forget(id);
            _admission.Release(id.ScaledObject.Namespace);
            LogForgotten(_log, id.ScaledObject, id.MetricName, ForgetAfter);
            Forgotten?.Invoke(id);
        }

        _index.Sweep();
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
            LogSubscriberFailed(_log, change.Trigger.ScaledObject, exception);
        }
    }

    private void NotifyDecided(DecisionMade made)
    {
        try
        {
            Decided?.Invoke(made);
        }
#pragma warning disable CA1031 // A failing subscriber is logged; the decision stands.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogSubscriberFailed(_log, made.Trigger.ScaledObject, exception);
        }
    }

    private void OnRefreshed(string readingKey)
    {
        foreach (var id in _index.TriggersOf(readingKey))
        {
            if (_states.TryGetValue(id, out var state))
            {
                Interlocked.Increment(ref state.Version);
            }
        }
    }

    [LoggerMessage(EventId = 650, Level = LogLevel.Information, Message = "{ScaledObject} ({MetricName}): desired replicas {From} -> {To}: {Explanation}")]
    private static partial void LogDesiredChanged(ILogger logger, ScaledObjectKey scaledObject, string metricName, int from, int to, Explanation explanation);

    [LoggerMessage(EventId = 652, Level = LogLevel.Information, Message = "{ScaledObject} ({MetricName}): not asked about for {ForgetAfter}; its state, last decision and metric series are forgotten")]
    private static partial void LogForgotten(ILogger logger, ScaledObjectKey scaledObject, string metricName, TimeSpan forgetAfter);

    [LoggerMessage(EventId = 653, Level = LogLevel.Warning, Message = "Forgetting idle triggers failed; the next sweep tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 654, Level = LogLevel.Warning, Message = "{ScaledObject}: a subscriber to decision changes failed; the decision stands")]
    private static partial void LogSubscriberFailed(ILogger logger, ScaledObjectKey scaledObject, Exception exception);
}
