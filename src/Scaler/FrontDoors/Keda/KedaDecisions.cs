using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scaler.Decisions;
using Scaler.Signals;
using Scaler.Signals.GpuFleet;
using Scaler.Signals.InferenceServer;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.Prometheus;
using Scaler.Signals.RabbitMq;

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
}

/// <summary>
/// Turns a parsed trigger into decisions: reads its signals through the shared <see cref="ReadingCache"/>
/// (never waiting on a slow upstream), counts the workload's replicas from the watch caches, and asks the
/// pure engine, keeping one <see cref="EngineState"/> per ScaledObject. A decision is reused for a moment
/// (KEDA asks GetMetrics and IsActive back to back in one poll) unless a signal it used was refreshed.
/// </summary>
internal sealed partial class KedaDecisions : IDisposable
{
    private static readonly TimeSpan ReuseFor = TimeSpan.FromSeconds(1);
    private const int MaxSpecs = 10_000;

    private readonly ReadingCache _cache;
    private readonly IWorkloadPods _pods;
    private readonly TimeProvider _time;
    private readonly RabbitMqCredentialsOptions _rabbitMqCredentials;
    private readonly ILogger _log;
    private readonly KedaMetrics _metrics;
    private readonly ConcurrentDictionary<ScaledObjectKey, Workload> _workloads = new();
    private readonly ConcurrentDictionary<ScaledObjectKey, ParsedTrigger> _specs = new();
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<ScaledObjectKey, byte>> _byReadingKey = new(StringComparer.Ordinal);
    private int _outOfClusterLogged;

    public KedaDecisions(ReadingCache cache, IWorkloadPods pods, TimeProvider time, IOptions<RabbitMqCredentialsOptions> rabbitMqCredentials, KedaMetrics metrics, ILogger<KedaDecisions> log)
    {
        _metrics = metrics;
        _cache = cache;
        _pods = pods;
        _time = time;
        _rabbitMqCredentials = rabbitMqCredentials.Value;
        _log = log;
        _cache.Refreshed += OnRefreshed;
    }

    /// <summary>Raised (on the cache's thread) when a signal of this ScaledObject was refreshed.</summary>
    public event Action<ScaledObjectKey>? SignalsChanged;

    /// <summary>The last decision per ScaledObject, for the explanation endpoint.</summary>
    public IEnumerable<(ScaledObjectKey ScaledObject, KedaDecision Decision)> Latest =>
        _workloads.Where(w => w.Value.Last is not null).Select(w => (w.Key, w.Value.Last!));

    public KedaDecision? LatestFor(ScaledObjectKey scaledObject) =>
        _workloads.TryGetValue(scaledObject, out var workload) ? workload.Last : null;

    /// <summary>
    /// Parses a trigger's metadata; false with every error, each naming its key. KEDA sends the same
    /// metadata with every call, so the spec parsed for a ScaledObject is reused while the metadata is
    /// the same (compared pair by pair: no sorting, no key string built per call).
    /// </summary>
    public bool TryParse(string @namespace, string name, IReadOnlyDictionary<string, string> metadata, out TriggerSpec? spec, out IReadOnlyList<string> errors)
    {
        var scaledObject = new ScaledObjectKey(@namespace, name);
        if (_specs.TryGetValue(scaledObject, out var parsedBefore) && parsedBefore.SameMetadata(metadata))
        {
            spec = parsedBefore.Spec;
            errors = [];
            return true;
        }

        var problems = new List<string>();
        if (string.IsNullOrEmpty(@namespace))
        {
            problems.Add("namespace: the ScaledObject's namespace is required");
        }

        if (string.IsNullOrEmpty(name))
        {
            problems.Add("name: the ScaledObject's name is required");
        }

        var parsed = TriggerMetadata.TryParse(scaledObject, metadata, _rabbitMqCredentials, out spec, out var metadataErrors);
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

        _specs[scaledObject] = new ParsedTrigger(new Dictionary<string, string>(metadata, StringComparer.Ordinal), spec!);
        return true;
    }

    /// <summary>A spec and the metadata it was parsed from.</summary>
    private sealed record ParsedTrigger(Dictionary<string, string> Metadata, TriggerSpec Spec)
    {
        public bool SameMetadata(IReadOnlyDictionary<string, string> metadata)
        {
            if (metadata.Count != Metadata.Count)
            {
                return false;
            }

            foreach (var (key, value) in metadata)
            {
                if (!Metadata.TryGetValue(key, out var before) || !string.Equals(before, value, StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }
    }

    public async ValueTask<KedaDecision> DecideAsync(TriggerSpec spec, CancellationToken cancellationToken)
    {
        var workload = _workloads.GetOrAdd(spec.ScaledObject, static _ => new Workload());
        foreach (var signal in spec.Signals)
        {
            _byReadingKey.GetOrAdd(signal.Query.Key, static _ => new()).TryAdd(spec.ScaledObject, 0);
        }

        var now = _time.GetUtcNow();
        if (workload.Last is { } recent && !workload.Dirty && now - recent.At < ReuseFor && ReferenceEquals(workload.Spec, spec))
        {
            return recent;
        }

        var readings = await Task.WhenAll(spec.Signals.Select(s => ReadAsync(s, cancellationToken))).ConfigureAwait(false);
        await workload.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            now = _time.GetUtcNow();
            workload.Dirty = false;
            var replicas = CountReplicas(spec, workload);
            var decision = DecisionEngine.Decide(spec.Policy, new DecisionInput(now, replicas, readings), workload.State);
            var cannotDecide = spec.Policy.FallbackReplicas is null
                && decision.Explanation.Signals.Any(s => !s.Known)
                && decision.DesiredReplicas <= replicas.Current;
            var result = new KedaDecision(decision, replicas, cannotDecide, now);
            var changed = workload.Last is null || workload.Last.Decision.DesiredReplicas != decision.DesiredReplicas;
            _metrics.Record(spec.ScaledObject, result, changed);
            if (changed)
            {
                LogDesiredChanged(_log, spec.ScaledObject, workload.Last?.Decision.DesiredReplicas ?? -1, decision.DesiredReplicas, decision.Explanation);
            }

            workload.State = decision.State;
            workload.Spec = spec;
            workload.Last = result;
            return result;
        }
        finally
        {
            workload.Gate.Release();
        }
    }

    public void Dispose() => _cache.Refreshed -= OnRefreshed;

    private async Task<SignalReading> ReadAsync(TriggerSignal signal, CancellationToken cancellationToken)
    {
        // One switch over the source kinds: the cache resolves a source by the query's static type.
        var reading = signal.Query switch
        {
            PrometheusQuery q => await _cache.GetAsync(q, cancellationToken).ConfigureAwait(false),
            RabbitMqQuery q => await _cache.GetAsync(q, cancellationToken).ConfigureAwait(false),
            GpuFleetQuery q => await _cache.GetAsync(q, cancellationToken).ConfigureAwait(false),
            InferenceQueueQuery q => await _cache.GetAsync(q, cancellationToken).ConfigureAwait(false),
            _ => Reading.Unavailable($"no source reads {signal.Query.GetType().Name}"),
        };
        return reading.ToSignal(signal.Spec.Name);
    }

    private ReplicaCounts CountReplicas(TriggerSpec spec, Workload workload)
    {
        var podSelector = spec.Signals.Select(s => s.Query switch
        {
            GpuFleetQuery g => g.Workload.PodSelector,
            InferenceQueueQuery i => i.Workload.PodSelector,
            _ => null,
        }).FirstOrDefault(s => s is not null);
        var pods = _pods.GetPods(new WorkloadRef(spec.ScaledObject.Namespace, spec.ScaledObject.Name, podSelector));
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

        foreach (var scaledObject in scaledObjects.Keys)
        {
            if (_workloads.TryGetValue(scaledObject, out var workload))
            {
                workload.Dirty = true;
            }

            SignalsChanged?.Invoke(scaledObject);
        }
    }

    private sealed class Workload
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public EngineState State { get; set; } = EngineState.Initial;

        public TriggerSpec? Spec { get; set; }

        public KedaDecision? Last { get; set; }

        public volatile bool Dirty;
    }

    [LoggerMessage(EventId = 650, Level = LogLevel.Information, Message = "{ScaledObject}: desired replicas {From} -> {To}: {Explanation}")]
    private static partial void LogDesiredChanged(ILogger logger, ScaledObjectKey scaledObject, int from, int to, Explanation explanation);

    [LoggerMessage(EventId = 651, Level = LogLevel.Warning, Message = "Replica counts are not available from Kubernetes ({Reason}); taking the scaler's own last decision as the current count")]
    private static partial void LogReplicasFromOwnDecisions(ILogger logger, string reason);
}
