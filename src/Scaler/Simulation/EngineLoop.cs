using Scaler.Decisions;

namespace Scaler.Simulation;

/// <summary>
/// Runs the decision engine on a sync period, as a front door would (HPA sync 15 s), optionally with
/// push activation: when the deployment is at zero and a request is pending, decide at once (KEDA
/// external-push). Each signal is read as old as its source makes it (<paramref name="ages"/>; missing
/// names are instant). Used for the composite policy and, configured like an HPA, for the HPA baselines.
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
    private readonly double _period = syncPeriod.TotalSeconds;
    private EngineState _state = EngineState.Initial;
    private double _nextSync;
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
        if (!sync && !push)
        {
            return null;
        }

        if (sync)
        {
            _nextSync += _period;
        }

        var at = epoch.AddSeconds(now);
        var failing = outage?.Covers(now) == true;
        if (!failing)
        {
            _lastGood = now;
        }

        var readings = new List<SignalReading>(policy.Signals.Length);
        foreach (var spec in policy.Signals)
        {
            var sampled = AgeOf(spec.Name).SampleTime(now);
            readings.Add(failing || SimulatedSignals.Value(spec.Name, history.At(sampled)) is not { } value
                ? SignalReading.Unavailable(spec.Name, double.IsNaN(_lastGood) ? null : epoch.AddSeconds(_lastGood))
                : SignalReading.Fresh(spec.Name, value, epoch.AddSeconds(Math.Min(sampled, now))));
        }

        var decision = DecisionEngine.Decide(policy, new DecisionInput(at, new ReplicaCounts(current.Current, current.Ready), readings), _state);
        _state = decision.State;
        LastDecision = decision;
        return decision.DesiredReplicas;
    }

    private SignalAge AgeOf(string signal) => ages is not null && ages.TryGetValue(signal, out var age) ? age : SignalAge.Instant;
}
