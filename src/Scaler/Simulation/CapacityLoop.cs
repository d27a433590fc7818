using Scaler.Decisions;
using Scaler.Decisions.Capacity;

namespace Scaler.Simulation;

/// <summary>Experimental: capacity sizing fed to the engine as a demand in replicas (target 1).</summary>
internal sealed class CapacityLoop(string name, CapacityPolicy capacity, ScalingPolicy engine, SimulationOptions simulation, DateTimeOffset epoch) : IScalingLoop
{
    private EngineState _state = EngineState.Initial;
    private CapacityState _capacity = CapacityState.Initial;
    private double _nextSync;
    private double _nextObserve;

    public string Name { get; } = name;

    public string? LastNote { get; private set; }

    public int? OnTick(double now, ClusterObservation current, ObservationHistory history)
    {
        var age = simulation.Ages.Pods;
        var observe = now >= _nextObserve - 1e-9;
        var sync = now >= _nextSync - 1e-9;
        var push = current.Current == 0 && history.At(age.SampleTime(now)).Outstanding > 0;
        if (!observe && !sync && !push)
        {
            return null;
        }

        if (observe)
        {
            _nextObserve += SimulatedWorkSignals.ScrapeSeconds * 10;
        }

        var sample = SimulatedWorkSignals.Sample(history, now, age, epoch);
        var assessment = CapacitySizing.Assess(capacity, sample, new ReplicaCounts(current.Current, current.Ready), _capacity, engine.MaxReplicas);
        _capacity = assessment.State;
        LastNote = assessment.Note;
        if (!sync && !push)
        {
            return null;
        }

        if (sync)
        {
            _nextSync += 15;
        }

        var at = epoch.AddSeconds(now);
        var value = Math.Max(assessment.Proposal ?? current.Current, assessment.Guard ?? 0);
        if (assessment.Proposal is null && assessment.Guard is null && !assessment.Active)
        {
            value = 0;
        }

        if (push && value == 0)
        {
            value = 1;
        }

        var readings = new[] { SignalReading.Fresh("capacity", value, sample.At) };
        var decision = DecisionEngine.Decide(engine, new DecisionInput(at, new ReplicaCounts(current.Current, current.Ready), readings), _state);
        _state = decision.State;
        return decision.DesiredReplicas;
    }
}
