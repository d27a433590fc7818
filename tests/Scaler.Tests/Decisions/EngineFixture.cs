using System.Collections.Immutable;
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

    public static SignalReading Fresh(string name, double value, DateTimeOffset? at = null) =>
        SignalReading.Fresh(name, value, at ?? T0);

    public static Decision Decide(ScalingPolicy policy, int current, int ready, params SignalReading[] readings) =>
        DecisionEngine.Decide(policy, new DecisionInput(T0, new ReplicaCounts(current, ready), readings), EngineState.Initial);

    public static Decision Decide(ScalingPolicy policy, int current, params SignalReading[] readings) =>
        Decide(policy, current, current, readings);
}

/// <summary>
/// One workload driven through successive decisions on virtual time; the fake clock is the only clock,
/// and the engine sees it only as the <c>now</c> argument.
/// </summary>
internal sealed class EngineDriver(ScalingPolicy policy)
{
    public FakeTimeProvider Time { get; } = new(EngineFixture.T0);

    public EngineState State { get; private set; } = EngineState.Initial;

    public int Current { get; set; }

    public Decision Last { get; private set; } = null!;

    /// <summary>Decides with all replicas ready and applies the result.</summary>
    public int Step(params SignalReading[] readings) => Step(Current, readings);

    /// <summary>Decides with <paramref name="ready"/> ready replicas and applies the result.</summary>
    public int Step(int ready, params SignalReading[] readings)
    {
        var now = Time.GetUtcNow();
        var stamped = readings.Select(r => r.Status == SignalStatus.Fresh && r.ObservedAt == EngineFixture.T0 ? r with { ObservedAt = now } : r).ToImmutableArray();
        Last = DecisionEngine.Decide(policy, new DecisionInput(now, new ReplicaCounts(Current, ready), stamped), State);
        State = Last.State;
        Current = Last.DesiredReplicas;
        return Current;
    }

    /// <summary>Decides with all replicas ready and does not apply the result (the HPA has not acted yet).</summary>
    public int StepWithoutApplying(params SignalReading[] readings)
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
