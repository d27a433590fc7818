using Scaler.Decisions;

namespace Scaler.Simulation;

/// <summary>
/// Runs the decision engine on a sync period, as a front door would (HPA sync 15 s), optionally with
/// push activation: when the deployment is at zero and a request is pending, decide at once (KEDA
/// external-push). Each signal is read as old as its source makes it (<paramref name="ages"/>; missing
/// names are instant). With capacity sizing the engine also sees the servers' work signals (as the
/// Scaler's work source reads them from the pods) every 5 s, as a push stream's refreshes make it decide
/// between syncs; only the answer at a sync (or a push activation) is applied. Used for the composite
/// policy and, configured like an HPA, for the HPA baselines.
/// </summary>
internal sealed class EngineLoop(
    string name,
    ScalingPolicy policy,
    TimeSpan syncPeriod,
    bool pushActivation,
    Outage? outage,
    DateTimeOffset epoch,
    IReadOnlyDictionary<string, SignalAge>? ages = null,
    SignalAge? pushAge = null) : IScalingLoop
{
    // How often capacity sizing sees the work signals between syncs.
    private const double ObserveSeconds = 5;

    private readonly double _period = syncPeriod.TotalSeconds;
    private EngineState _state = EngineState.Initial;
    private double _nextSync;
    private double _nextObserve;
    private double _lastGood = double.NaN;

    public string Name { get; } = name;

    /// <summary>The last decision, for tests and the explanation log.</summary>
    public Decision? LastDecision { get; private set; }

    public int? OnTick(double now, ClusterObservation current, ObservationHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var sync = now >= _nextSync - 1e-9;
        var push = pushActivation && current.Current == 0 &&
            history.At((pushAge ?? SignalAge.Instant).SampleTime(now)).Outstanding > 0;
        var observe = policy.Capacity is not null && now >= _nextObserve - 1e-9;
        if (!sync && !push && !observe)
        {
            return null;
        }

        if (sync)
        {
            _nextSync += _period;
        }

        if (observe)
        {
            _nextObserve += ObserveSeconds;
        }

        var at = epoch.AddSeconds(now);
        var failing = outage?.Covers(now) == true;
        if (!failing)
        {
            _lastGood = now;
        }

        var readings = new Dictionary<string, Reading>(policy.Signals.Length, StringComparer.Ordinal);
        foreach (var spec in policy.Signals)
        {
            var sampled = AgeOf(spec.Name).SampleTime(now);
            readings[spec.Name] = failing || SimulatedSignals.Value(spec.Name, history.At(sampled)) is not { } value
                ? Reading.Unavailable(reason: "simulated outage", double.IsNaN(_lastGood) ? null : epoch.AddSeconds(_lastGood))
                : Reading.Fresh(value, epoch.AddSeconds(Math.Min(sampled, now)));
        }

        if (policy.Capacity is { } capacity)
        {
            AddWork(readings, capacity.Signals, failing ? null : SimulatedWorkSignals.Sample(history, now, AgeOf(WorkAge), epoch));
        }

        var decision = DecisionEngine.Decide(policy, new DecisionInput(at, new ReplicaCounts(current.Current, current.Ready), readings), _state);
        _state = decision.State;
        LastDecision = decision;
        return sync || push ? decision.DesiredReplicas : null;
    }

    /// <summary>The key of <paramref name="ages"/> that sets how old the work signals are.</summary>
    public const string WorkAge = "work";

    // The work figures as the work source reads them, or unavailable through an outage (never 0).
    private void AddWork(Dictionary<string, Reading> readings, Decisions.Capacity.WorkSignalNames names, Decisions.Capacity.WorkSample? sample)
    {
        foreach (var (name, value) in names.Of(sample ?? default))
        {
            readings[name] = sample is { } s && value is { } v
                ? Reading.Fresh(v, s.At)
                : Reading.Unavailable("simulated outage", double.IsNaN(_lastGood) ? null : epoch.AddSeconds(_lastGood));
        }
    }

    private SignalAge AgeOf(string signal) => ages is not null && ages.TryGetValue(signal, out var age) ? age : SignalAge.Instant;
}
