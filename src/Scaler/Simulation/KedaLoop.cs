using Scaler.Decisions;

namespace Scaler.Simulation;

/// <summary>
/// The design's KEDA ScaledObject with a pending-requests trigger (reference/keda.md 3.1-3.4): KEDA polls
/// every <c>pollingInterval</c>, activates 0 -> 1 when pending &gt; activation threshold, and after
/// <c>cooldownPeriod</c> without activity writes 0 directly from any count (#7770). Between 1 and max the
/// KEDA-created HPA decides every 15 s with Kubernetes' default behaviour; the HPA math is the engine
/// configured without tiers or warming gate. The trigger reads pending requests through Prometheus
/// (<paramref name="age"/>); an outage reads as 0, as the Prometheus trigger does with its default
/// <c>ignoreNullValues: true</c> (#3065).
/// </summary>
internal sealed class KedaLoop : IScalingLoop
{
    private readonly double _polling;
    private readonly double _cooldown;
    private readonly double _activation;
    private readonly Outage? _outage;
    private readonly DateTimeOffset _epoch;
    private readonly SignalAge _age;
    private readonly ScalingPolicy _hpa;
    private readonly double _hpaPeriod = 15;
    private EngineState _state = EngineState.Initial;
    private double _nextPoll;
    private double _nextSync;

    // The deployment has been running and active up to t = 0, like every other policy's.
    private double? _lastActive = 0;

    public KedaLoop(string name, int maxReplicas, double pendingPerReplica, TimeSpan pollingInterval, TimeSpan cooldown, Outage? outage, DateTimeOffset epoch, SignalAge? age = null)
    {
        Name = name;
        _polling = pollingInterval.TotalSeconds;
        _cooldown = cooldown.TotalSeconds;
        _activation = 0;
        _outage = outage;
        _epoch = epoch;
        _age = age ?? SignalAge.Instant;
        // Between 1 and max, the HPA KEDA creates: pending requests per replica, Kubernetes' default behaviour.
        _hpa = Policies.RequestsHpaPolicy(maxReplicas, pendingPerReplica);
    }

    public string Name { get; }

    public int? OnTick(double now, ClusterObservation current, ObservationHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        int? desired = null;
        var sampled = _age.SampleTime(now);
        var pending = _outage?.Covers(now) == true ? 0 : history.At(sampled).Outstanding;
        if (now >= _nextPoll - 1e-9)
        {
            _nextPoll += _polling;
            if (pending > _activation)
            {
                _lastActive = now;
                if (current.Current == 0)
                {
                    desired = 1;
                }
            }
            else if (current.Current > 0 && (_lastActive is null || now - _lastActive >= _cooldown))
            {
                desired = 0;
            }
        }

        if (now >= _nextSync - 1e-9)
        {
            _nextSync += _hpaPeriod;

            // At zero the HPA is disabled (ScalingDisabled); only KEDA moves 0 -> 1.
            var count = desired ?? current.Current;
            if (count > 0)
            {
                var at = _epoch.AddSeconds(now);
                var readings = new Dictionary<string, Reading>(StringComparer.Ordinal) { [SimulatedSignals.Requests] = Reading.Fresh(pending, _epoch.AddSeconds(Math.Min(sampled, now))) };
                var decision = DecisionEngine.Decide(_hpa, new DecisionInput(at, new ReplicaCounts(count, Math.Min(current.Ready, count)), readings), _state);
                _state = decision.State;
                desired = decision.DesiredReplicas;
            }
        }

        return desired;
    }
}
