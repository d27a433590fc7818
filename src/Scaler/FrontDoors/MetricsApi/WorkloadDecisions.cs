using System.Collections.Concurrent;
using Scaler.Decisions;
using Scaler.Signals;
using Scaler.Signals.Kubernetes;
using Scaler.Triggers;

namespace Scaler.FrontDoors.MetricsApi;

/// <summary>
/// The composite decision of a workload whose policy is its <c>scaler.dev/</c> annotations: parsed with the
/// KEDA trigger metadata's keys (<see cref="TriggerParser"/>, the pods being those of the workload's <c>/scale</c>
/// selector unless <c>podSelector</c> says otherwise; parsed again only when the annotations or the selector
/// change), its signals read through the <see cref="ReadingCache"/>, the replicas counted from the watch caches
/// (the scale's count when they do not know), the engine asked, its state kept per workload. A decision is
/// reused for a second; a workload nobody asked about for <see cref="ForgetAfter"/> is forgotten. State is trusted
/// only within the leadership term it was made in: a workload's first decision in a term starts from
/// <see cref="EngineState.TakingOver"/> (nothing down before a full down window), as the KEDA door's triggers do.
/// </summary>
internal sealed class WorkloadDecisions(TriggerParser parser, ReadingCache cache, IWorkloadPods pods, Leadership.Leadership leadership, TimeProvider time)
{
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan ReuseFor = TimeSpan.FromSeconds(1);
    private static readonly IReadOnlySet<string> NothingIgnored = new HashSet<string>();

    private readonly ConcurrentDictionary<(string Namespace, string Resource, string Name), State> _states = new();
    private long _nextSweepTicks;

    /// <summary>Workloads with a state now.</summary>
    public int Count => _states.Count;

    public async ValueTask<WorkloadDecision> DecideAsync(ScaledWorkload workload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var now = time.GetUtcNow();
        Sweep(now);
        var state = _states.GetOrAdd((workload.Namespace, workload.Resource, workload.Name), static _ => new State());
        state.LastAskedTicks = now.UtcTicks;
        var policy = Policy(workload);
        if (!state.SameInput(policy, workload.Selector))
        {
            var parsed = parser.TryParse(new ScaledObjectKey(workload.Namespace, workload.Name), policy, NothingIgnored, out var trigger, out var errors, workload.Selector);
            state.Remember(policy, workload.Selector, parsed ? trigger : null, errors);
        }

        if (state.Trigger is not { } current)
        {
            return new WorkloadDecision(null, state.Errors);
        }

        if (state.Last is { } recent && now - recent.At < ReuseFor && state.Term == leadership.Term)
        {
            return new WorkloadDecision(recent, []);
        }

        var readings = new Dictionary<string, Reading>(current.Queries.Count, StringComparer.Ordinal);
        foreach (var (signal, query) in current.Queries)
        {
            readings[signal] = await cache.GetAsync(query, cancellationToken).ConfigureAwait(false);
        }

        await state.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // State from an earlier term is not trusted: another replica may have decided since.
            if (state.Term != leadership.Term)
            {
                state.Term = leadership.Term;
                state.Engine = EngineState.TakingOver(leadership.LeadingSince ?? time.GetUtcNow());
                state.Last = null;
            }

            var set = pods.GetPods(current.Workload);
            var replicas = set.IsKnown
                ? new ReplicaCounts(workload.Replicas, set.Pods.Count(p => p.Ready))
                : new ReplicaCounts(workload.Replicas, workload.Replicas);
            var decision = DecisionEngine.Decide(current.Policy, new DecisionInput(time.GetUtcNow(), replicas, readings), state.Engine);
            state.Engine = decision.State;
            state.Last = decision;
            return new WorkloadDecision(decision, []);
        }
        finally
        {
            state.Gate.Release();
        }
    }

    /// <summary>Whether the workload has any policy annotation.</summary>
    public static bool HasPolicy(ScaledWorkload workload) =>
        workload?.Annotations.Keys.Any(k => k.StartsWith(MetricsApiGroups.AnnotationPrefix, StringComparison.Ordinal)) == true;

    /// <summary>The workload's policy annotations, prefix removed.</summary>
    private static Dictionary<string, string> Policy(ScaledWorkload workload)
    {
        var policy = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in workload.Annotations)
        {
            if (key.StartsWith(MetricsApiGroups.AnnotationPrefix, StringComparison.Ordinal))
            {
                policy[key[MetricsApiGroups.AnnotationPrefix.Length..]] = value;
            }
        }

        return policy;
    }

    private void Sweep(DateTimeOffset now)
    {
        var next = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref _nextSweepTicks, (now + TimeSpan.FromMinutes(1)).UtcTicks, next) != next)
        {
            return;
        }

        foreach (var (key, state) in _states)
        {
            if (now.UtcTicks - Volatile.Read(ref state.LastAskedTicks) > ForgetAfter.Ticks)
            {
                _states.TryRemove(key, out _);
            }
        }
    }

    /// <summary>One workload's parsed policy, engine state and last decision.</summary>
    private sealed class State
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public EngineState Engine { get; set; } = EngineState.Initial;

        /// <summary>The leadership term <see cref="Engine"/> belongs to; 0 before the first decision.</summary>
        public long Term { get; set; }

        public Decision? Last { get; set; }

        public Trigger? Trigger { get; private set; }

        public IReadOnlyList<string> Errors { get; private set; } = [];

        public Dictionary<string, string>? ParsedFrom { get; private set; }

        public long LastAskedTicks;

        private string? _selector;

        public bool SameInput(Dictionary<string, string> annotations, string? selector) =>
            ParsedFrom is { } before && before.Count == annotations.Count && string.Equals(_selector, selector, StringComparison.Ordinal)
            && before.All(a => annotations.TryGetValue(a.Key, out var v) && string.Equals(v, a.Value, StringComparison.Ordinal));

        public void Remember(Dictionary<string, string> annotations, string? selector, Trigger? trigger, IReadOnlyList<string> errors)
        {
            ParsedFrom = annotations;
            _selector = selector;
            Trigger = trigger;
            Errors = errors;
        }
    }
}
