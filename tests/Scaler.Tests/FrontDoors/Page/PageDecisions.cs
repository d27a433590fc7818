using Scaler.Decisions;
using Scaler.FrontDoors.Keda;
using Scaler.Triggers;

namespace Scaler.Tests.FrontDoors.Page;

/// <summary>
/// Decisions as the KEDA door makes them, for the page's tests: the real engine on a pending-requests total
/// (target 5, no limits, no stabilization) and a GPU-utilization average reported only, one engine state per
/// trigger, time given by the test.
/// </summary>
internal sealed class PageDecisions
{
    public static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<TriggerId, EngineState> _states = [];

    public static ScalingPolicy Policy { get; } = new()
    {
        Signals = [new SignalSpec("pending-requests", SignalKind.Total, SignalRole.Demand, 5), new SignalSpec("gpu-utilization", SignalKind.Average, SignalRole.Saturation, 0.7)],
        MinReplicas = 0,
        MaxReplicas = 50,
        IdleReplicas = 1,
        ScaleToZeroAfter = TimeSpan.FromMinutes(15),
        ScaleUp = new ScalingRules(TimeSpan.Zero, []),
        ScaleDown = new ScalingRules(TimeSpan.Zero, []),
        WarmingGate = false,
    };

    public static Trigger Trigger(string ns = "llm", string name = "llama", string metric = "scaler-llm-llama-00000000", ScalingPolicy? policy = null) =>
        new(new ScaledObjectKey(ns, name), policy ?? Policy, new Dictionary<string, global::Scaler.Signals.SignalQuery>(), metric);

    /// <summary>One decision at <paramref name="at"/> with <paramref name="pending"/> requests (null: the read failed with <paramref name="reason"/>) and <paramref name="current"/> replicas.</summary>
    public DecisionMade Decide(Trigger trigger, DateTimeOffset at, double? pending, int current, string reason = "prometheus: connection refused", DateTimeOffset? lastObserved = null)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var readings = new Dictionary<string, Reading>(StringComparer.Ordinal)
        {
            ["pending-requests"] = pending is { } p ? Reading.Fresh(p, at) : Reading.Unavailable(reason, lastObserved),
            ["gpu-utilization"] = Reading.Fresh(0.5, at),
        };
        var id = TriggerId.Of(trigger);
        var decision = DecisionEngine.Decide(trigger.Policy, new DecisionInput(at, new ReplicaCounts(current, current), readings), _states.GetValueOrDefault(id, EngineState.Initial));
        _states[id] = decision.State;
        return new DecisionMade(trigger, decision, readings);
    }
}
