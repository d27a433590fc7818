using System.Collections.Immutable;
using Scaler.Decisions;
using static Scaler.Tests.Decisions.EngineFixture;

namespace Scaler.Tests.Decisions;

/// <summary>
/// Invariants over many generated cases (seeded, so a failure reproduces): random policies, random
/// history built by running the engine, random readings with every status.
/// </summary>
public class EnginePropertyTests
{
    private const int Cases = 3000;

    [Fact]
    public void Decide_AnyInput_StaysWithinBounds()
    {
        var random = new Random(1);
        for (var i = 0; i < Cases; i++)
        {
            var policy = RandomPolicy(random);
            var (state, now) = RandomHistory(random, policy);
            var current = random.Next(0, policy.MaxReplicas + 5);
            var input = new DecisionInput(now, new ReplicaCounts(current, random.Next(0, current + 1)), RandomReadings(random, now));

            var decision = DecisionEngine.Decide(policy, input, state);

            Assert.True(decision.DesiredReplicas >= policy.MinReplicas && decision.DesiredReplicas <= policy.MaxReplicas,
                $"case {i}: {decision.DesiredReplicas} outside [{policy.MinReplicas}, {policy.MaxReplicas}]: {decision.Explanation}");
        }
    }

    [Fact]
    public void Decide_AnySignalUnknown_NeverBelowCurrent()
    {
        var random = new Random(2);
        var checkedCases = 0;
        for (var i = 0; i < Cases; i++)
        {
            var policy = RandomPolicy(random);
            var (state, now) = RandomHistory(random, policy);
            var readings = RandomReadings(random, now);
            var current = random.Next(0, policy.MaxReplicas + 5);
            var input = new DecisionInput(now, new ReplicaCounts(current, random.Next(0, current + 1)), readings);

            var decision = DecisionEngine.Decide(policy, input, state);

            // Every signal that takes part (a reported-only one, saturation under Ignore, changes nothing).
            if (decision.Explanation.Signals.Any(s => !s.Known && (s.Role == SignalRole.Demand || policy.Saturation != SaturationMode.Ignore)))
            {
                checkedCases++;
                Assert.True(decision.DesiredReplicas >= Math.Min(current, policy.MaxReplicas),
                    $"case {i}: unknown signal but {current} -> {decision.DesiredReplicas}: {decision.Explanation}");
            }
        }

        Assert.True(checkedCases > Cases / 4, $"only {checkedCases} cases had an unknown signal");
    }

    [Fact]
    public void Decide_MoreLoad_NeverFewerReplicas()
    {
        var random = new Random(3);
        for (var i = 0; i < Cases; i++)
        {
            var policy = RandomPolicy(random);
            var (state, now) = RandomHistory(random, policy);
            var current = random.Next(0, policy.MaxReplicas + 1);
            var replicas = new ReplicaCounts(current, random.Next(0, current + 1));
            var gpu = random.NextDouble() < 0.2 ? Unavailable(Gpu, now) : Fresh(Gpu, random.NextDouble(), now);
            var low = random.NextDouble() * 60;
            var high = low + (random.NextDouble() * 60);

            var lower = DecisionEngine.Decide(policy, new DecisionInput(now, replicas, Readings(Fresh(Pending, low, now), gpu)), state);
            var higher = DecisionEngine.Decide(policy, new DecisionInput(now, replicas, Readings(Fresh(Pending, high, now), gpu)), state);

            Assert.True(higher.DesiredReplicas >= lower.DesiredReplicas,
                $"case {i}: pending {low:0.##} -> {lower.DesiredReplicas} but {high:0.##} -> {higher.DesiredReplicas}\n{lower.Explanation}\n{higher.Explanation}");
        }
    }

    private static ScalingPolicy RandomPolicy(Random random)
    {
        var max = random.Next(1, 30);
        var min = random.Next(0, Math.Min(max, 4) + 1);
        return new ScalingPolicy
        {
            Signals =
            [
                PendingSpec(1 + (random.NextDouble() * 9)) with
                {
                    ActivationThreshold = random.NextDouble() < 0.5 ? 0 : random.Next(0, 5),
                    StalenessLimit = TimeSpan.FromSeconds(random.Next(10, 120)),
                },
                GpuSpec(0.3 + (random.NextDouble() * 0.6)) with { StalenessLimit = TimeSpan.FromSeconds(random.Next(10, 120)) },
            ],
            MinReplicas = min,
            MaxReplicas = max,
            IdleReplicas = random.Next(0, max + 1),
            ScaleToZeroAfter = TimeSpan.FromSeconds(random.Next(0, 1200)),
            FallbackReplicas = random.NextDouble() < 0.5 ? null : random.Next(1, max + 1),
            Tolerance = random.NextDouble() * 0.3,
            ScaleUp = RandomRules(random),
            ScaleDown = RandomRules(random),
            Saturation = (SaturationMode)random.Next(0, 4),
            WarmingGate = random.NextDouble() < 0.5,
        };
    }

    private static ScalingRules RandomRules(Random random)
    {
        var limits = ImmutableArray.CreateBuilder<RateLimit>();
        for (var n = random.Next(0, 3); n > 0; n--)
        {
            limits.Add(new RateLimit((RateLimitKind)random.Next(0, 2), random.Next(1, 200), TimeSpan.FromSeconds(random.Next(1, 300))));
        }

        return new ScalingRules(TimeSpan.FromSeconds(random.Next(0, 4) * 60), limits.ToImmutable(), (SelectPolicy)random.Next(0, 3));
    }

    // Runs the engine for a while on random load so the state holds real recommendations, events and marks.
    private static (EngineState State, DateTimeOffset Now) RandomHistory(Random random, ScalingPolicy policy)
    {
        var state = EngineState.Initial;
        var now = T0;
        var current = random.Next(0, policy.MaxReplicas + 1);
        for (var step = random.Next(0, 30); step > 0; step--)
        {
            now += TimeSpan.FromSeconds(random.Next(1, 60));
            var decision = DecisionEngine.Decide(policy, new DecisionInput(now, new ReplicaCounts(current, random.Next(0, current + 1)), RandomReadings(random, now)), state);
            state = decision.State;
            current = decision.DesiredReplicas;
        }

        return (state, now + TimeSpan.FromSeconds(random.Next(1, 60)));
    }

    private static IReadOnlyDictionary<string, Reading> RandomReadings(Random random, DateTimeOffset now)
    {
        var readings = new List<KeyValuePair<string, Reading>>();
        foreach (var (name, scale) in new[] { (Pending, 80.0), (Gpu, 1.0) })
        {
            var age = TimeSpan.FromSeconds(random.Next(0, 200));
            switch (random.Next(0, 8))
            {
                case 0:
                    readings.Add(Unavailable(name, random.NextDouble() < 0.5 ? null : now - age));
                    break;
                case 1:
                    readings.Add(Stale(name, random.NextDouble() * scale, now - age));
                    break;
                case 2:
                    // missing altogether
                    break;
                case 3:
                    readings.Add(Fresh(name, random.NextDouble() < 0.5 ? double.NaN : -1, now));
                    break;
                default:
                    readings.Add(Fresh(name, random.NextDouble() < 0.2 ? 0 : random.NextDouble() * scale, now));
                    break;
            }
        }

        return Readings([.. readings]);
    }
}
