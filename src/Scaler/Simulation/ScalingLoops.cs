using Scaler.Decisions;

namespace Scaler.Simulation;

/// <summary>A control loop deciding the replica count of one simulated deployment.</summary>
internal interface IScalingLoop
{
    string Name { get; }

    /// <summary>Called every tick with virtual time in seconds; returns the replica count to set, or null for no change.</summary>
    int? OnTick(double now, ClusterObservation observation);
}

/// <summary>Signal names the simulator can serve to a policy.</summary>
internal static class SimulatedSignals
{
    /// <summary>Requests accepted and not finished (waiting plus in flight): a total.</summary>
    public const string Requests = "requests";

    /// <summary>Requests waiting for a slot at the gateway: a total.</summary>
    public const string Queue = "queue";

    /// <summary>Mean busy fraction (0..1) of ready replicas over the utilization window: an average.</summary>
    public const string GpuUtilization = "gpu-utilization";

    /// <summary>The value of a named signal, or null when the name is unknown.</summary>
    public static double? Value(string name, ClusterObservation observation) => name switch
    {
        Requests => observation.Outstanding,
        Queue => observation.Waiting,

        // Without ready replicas there is nothing to average; the engine ignores an average then.
        GpuUtilization => observation.GpuUtilization ?? 0,
        _ => null,
    };
}

/// <summary>A window of virtual time during which every signal source fails.</summary>
internal readonly record struct Outage(double StartSeconds, double EndSeconds)
{
    public bool Covers(double now) => now >= StartSeconds && now < EndSeconds;
}

/// <summary>
/// Runs the decision engine on a sync period, as a front door would (HPA sync 15 s), optionally with
/// push activation: when the deployment is at zero and a request is pending, decide at once (KEDA
/// external-push). Used for the composite policy and, configured like an HPA, for the HPA baseline.
/// </summary>
internal sealed class EngineLoop(string name, ScalingPolicy policy, TimeSpan syncPeriod, bool pushActivation, Outage? outage, DateTimeOffset epoch)
    : IScalingLoop
{
    private readonly double _period = syncPeriod.TotalSeconds;
    private EngineState _state = EngineState.Initial;
    private double _nextSync;
    private double _lastGood = double.NaN;

    public string Name { get; } = name;

    /// <summary>The last decision, for tests and the explanation log.</summary>
    public Decision? LastDecision { get; private set; }

    public int? OnTick(double now, ClusterObservation observation)
    {
        var sync = now >= _nextSync - 1e-9;
        var push = pushActivation && observation.Current == 0 && observation.Outstanding > 0;
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

        var readings = new Dictionary<string, Reading>(policy.Signals.Length, StringComparer.Ordinal);
        foreach (var spec in policy.Signals)
        {
            readings[spec.Name] = failing || SimulatedSignals.Value(spec.Name, observation) is not { } value
                ? Reading.Unavailable(reason: null, double.IsNaN(_lastGood) ? null : epoch.AddSeconds(_lastGood))
                : Reading.Fresh(value, at);
        }

        var decision = DecisionEngine.Decide(policy, new DecisionInput(at, new ReplicaCounts(observation.Current, observation.Ready), readings), _state);
        _state = decision.State;
        LastDecision = decision;
        return decision.DesiredReplicas;
    }
}

/// <summary>
/// The design's KEDA ScaledObject with a pending-requests trigger (reference/keda.md 3.1-3.4): KEDA polls
/// every <c>pollingInterval</c>, activates 0 -> 1 when pending &gt; activation threshold, and after
/// <c>cooldownPeriod</c> without activity writes 0 directly from any count (#7770). Between 1 and max the
/// KEDA-created HPA decides every 15 s with Kubernetes' default behaviour; the HPA math is the engine
/// configured without tiers or warming gate. An outage reads as 0, as the Prometheus trigger does with
/// its default <c>ignoreNullValues: true</c> (#3065).
/// </summary>
internal sealed class KedaLoop : IScalingLoop
{
    private readonly double _polling;
    private readonly double _cooldown;
    private readonly double _activation;
    private readonly Outage? _outage;
    private readonly DateTimeOffset _epoch;
    private readonly ScalingPolicy _hpa;
    private readonly double _hpaPeriod = 15;
    private EngineState _state = EngineState.Initial;
    private double _nextPoll;
    private double _nextSync;
    // The deployment has been running and active up to t = 0, like every other policy's.
    private double? _lastActive = 0;

    public KedaLoop(string name, int maxReplicas, double pendingPerReplica, TimeSpan pollingInterval, TimeSpan cooldown, Outage? outage, DateTimeOffset epoch)
    {
        Name = name;
        _polling = pollingInterval.TotalSeconds;
        _cooldown = cooldown.TotalSeconds;
        _activation = 0;
        _outage = outage;
        _epoch = epoch;
        _hpa = new ScalingPolicy
        {
            Signals = [new SignalSpec(SimulatedSignals.Requests, SignalKind.Total, SignalRole.Demand, pendingPerReplica)],
            MinReplicas = 1,
            MaxReplicas = maxReplicas,
            IdleReplicas = 0,

            // Scale to zero is KEDA's job here, not the HPA's.
            ScaleToZeroAfter = TimeSpan.MaxValue,
            ScaleUp = ScalingRules.KubernetesUp,
            ScaleDown = ScalingRules.KubernetesDown,
            WarmingGate = false,
        };
    }

    public string Name { get; }

    public int? OnTick(double now, ClusterObservation observation)
    {
        int? desired = null;
        var pending = _outage?.Covers(now) == true ? 0 : observation.Outstanding;
        if (now >= _nextPoll - 1e-9)
        {
            _nextPoll += _polling;
            if (pending > _activation)
            {
                _lastActive = now;
                if (observation.Current == 0)
                {
                    desired = 1;
                }
            }
            else if (observation.Current > 0 && (_lastActive is null || now - _lastActive >= _cooldown))
            {
                desired = 0;
            }
        }

        if (now >= _nextSync - 1e-9)
        {
            _nextSync += _hpaPeriod;

            // At zero the HPA is disabled (ScalingDisabled); only KEDA moves 0 -> 1.
            var current = desired ?? observation.Current;
            if (current > 0)
            {
                var at = _epoch.AddSeconds(now);
                var readings = new Dictionary<string, Reading>(StringComparer.Ordinal) { [SimulatedSignals.Requests] = Reading.Fresh(pending, at) };
                var decision = DecisionEngine.Decide(_hpa, new DecisionInput(at, new ReplicaCounts(current, Math.Min(observation.Ready, current)), readings), _state);
                _state = decision.State;
                desired = decision.DesiredReplicas;
            }
        }

        return desired;
    }
}

/// <summary>A fixed replica count: the reference that shows what standing capacity alone buys.</summary>
internal sealed class StaticLoop(int replicas) : IScalingLoop
{
    public string Name { get; } = $"static-{replicas}";

    public int? OnTick(double now, ClusterObservation observation) => replicas;
}
