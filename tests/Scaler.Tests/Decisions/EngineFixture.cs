using Microsoft.Extensions.Time.Testing;
using Scaler.Decisions;

namespace Scaler.Tests.Decisions;

/// <summary>Builders for engine tests: a pending-requests total, a GPU-utilization average, and plain policies.</summary>
internal static class EngineFixture
{
    public const string Pending = "pending";
    public const string Gpu = "gpu";

    public static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    public static SignalSpec PendingSpec(double target = 5) => new(Pending, SignalKind.Total, SignalRole.Demand, target);

    public static SignalSpec GpuSpec(double target = 0.7) => new(Gpu, SignalKind.Average, SignalRole.Saturation, target);

    /// <summary>No stabilization, no rate limits, no tiers, no warming gate: only the per-signal math and combination.</summary>
    public static ScalingPolicy Plain(params SignalSpec[] signals) => new()
    {
        Signals = [.. signals],
        MinReplicas = 0,
        MaxReplicas = 100,
        IdleReplicas = 0,
        ScaleUp = new ScalingRules(TimeSpan.Zero, []),
        ScaleDown = new ScalingRules(TimeSpan.Zero, []),
        Saturation = SaturationMode.Max,
        WarmingGate = false,
    };

    public static KeyValuePair<string, Reading> Fresh(string name, double value, DateTimeOffset? at = null) =>
        new(name, Reading.Fresh(value, at ?? T0));

    public static KeyValuePair<string, Reading> Stale(string name, double lastValue, DateTimeOffset observedAt) =>
        new(name, Reading.Stale(lastValue, observedAt));

    public static KeyValuePair<string, Reading> Unavailable(string name, DateTimeOffset? lastObservedAt = null, string? reason = null) =>
        new(name, Reading.Unavailable(reason, lastObservedAt));

    /// <summary>The engine's input: each reading under its signal's name.</summary>
    public static IReadOnlyDictionary<string, Reading> Readings(params KeyValuePair<string, Reading>[] readings) =>
        new Dictionary<string, Reading>(readings, StringComparer.Ordinal);

    public static Decision Decide(ScalingPolicy policy, int current, int ready, params KeyValuePair<string, Reading>[] readings) =>
        DecisionEngine.Decide(policy, new DecisionInput(T0, new ReplicaCounts(current, ready), Readings(readings)), EngineState.Initial);

    public static Decision Decide(ScalingPolicy policy, int current, params KeyValuePair<string, Reading>[] readings) =>
        Decide(policy, current, current, readings);
}

/// <summary>
/// One workload driven through successive decisions on virtual time; the fake clock is the only clock,
/// and the engine sees it only as the <c>now</c> argument.
/// </summary>
internal sealed class EngineDriver(ScalingPolicy policy)
{
    public FakeTimeProvider Time { get; } = new(EngineFixture.T0);

    public EngineState State { get; set; } = EngineState.Initial;

    public int Current { get; set; }

    public Decision Last { get; private set; } = null!;

    /// <summary>Decides with all replicas ready and applies the result.</summary>
    public int Step(params KeyValuePair<string, Reading>[] readings) => Step(Current, readings);

    /// <summary>Decides with <paramref name="ready"/> ready replicas and applies the result.</summary>
    public int Step(int ready, params KeyValuePair<string, Reading>[] readings)
    {
        var now = Time.GetUtcNow();
        var stamped = readings.Select(r => r.Value.Status == SignalStatus.Fresh && r.Value.ObservedAt == EngineFixture.T0 ? new(r.Key, r.Value with { ObservedAt = now }) : r);
        Last = DecisionEngine.Decide(policy, new DecisionInput(now, new ReplicaCounts(Current, ready), EngineFixture.Readings([.. stamped])), State);
        State = Last.State;
        Current = Last.DesiredReplicas;
        return Current;
    }

    /// <summary>Decides with all replicas ready and does not apply the result (the HPA has not acted yet).</summary>
    public int StepWithoutApplying(params KeyValuePair<string, Reading>[] readings)
    {
        var observed = Current;
        Step(observed, readings);
        var answer = Current;
        Current = observed;
        return answer;
    }

    public EngineDriver After(TimeSpan elapsed)
    {
        Time.Advance(elapsed);
        return this;
    }
}
