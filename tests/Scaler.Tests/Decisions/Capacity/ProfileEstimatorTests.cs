using Scaler.Decisions;
using Scaler.Decisions.Capacity;

namespace Scaler.Tests.Decisions.Capacity;

/// <summary>The online profile estimator: it converges on busy data and learns nothing from idle data.</summary>
public class ProfileEstimatorTests
{
    private static readonly ServerProfile Truth = new(0.030, 1.0 / 6000, 0.050, 0, 2048, 256);

    [Fact]
    public void Update_MeasurementsOfATrueLaw_ConvergeToIt()
    {
        var prior = ServerProfile.Default;
        var estimate = ProfileEstimate.From(prior);

        // Operating points that vary the tokens per step and the cache use, as a day of traffic does.
        for (var i = 0; i < 200; i++)
        {
            var tokens = 4 + (i % 7 * 40);
            var kv = 0.05 + (i % 5 * 0.15);
            var step = Truth.StepSeconds + (Truth.TokenSeconds * tokens) + (Truth.FullCacheSeconds * kv);
            estimate = ProfileEstimator.Update(estimate, prior, step, tokens, kv);
        }

        Assert.Equal(Truth.StepSeconds, estimate.Mean[0], 0.002);
        Assert.InRange(1 / estimate.Mean[1], 5700, 6300);
        Assert.Equal(Truth.FullCacheSeconds, estimate.Mean[2], 0.004);
        Assert.True(estimate.PredictionError < 0.05, $"{estimate.PredictionError}");
        Assert.Equal(200, estimate.Samples);
    }

    [Fact]
    public void Assess_IdleCounters_LearnNothing()
    {
        // Nothing arrives and nothing decodes: the counters stand still for ten minutes.
        var policy = new CapacityPolicy();
        var state = CapacityState.Initial;
        var sample = new WorkSample(EngineFixture.T0, 100, 100_000, 20_000, 0, 0, 0, null) { InterTokenSeconds = 500, InterTokenCount = 19_900 };
        for (var i = 0; i < 120; i++)
        {
            state = CapacitySizing.Assess(policy, sample with { At = EngineFixture.T0.AddSeconds(i * 5) }, new ReplicaCounts(2, 2), state, 10).State;
        }

        Assert.Equal(0, state.Estimate!.Samples);
        Assert.Equal(ProfileEstimate.From(policy.Profile).Mean.ToArray(), state.Estimate.Mean.ToArray());
    }

    [Fact]
    public void Assess_BusyCounters_LearnTheServer()
    {
        // A server twice as slow as the default profile expects, measured through its counters.
        var slow = new ServerProfile(0.05, 1.0 / 4500, 0.07, 0, 2048, 256);
        var work = new WorkCounterSim(3, 1200, 150, slow, ready: 2) { Batch = 20, KvCacheUse = 0.3 };
        var policy = new CapacityPolicy();
        var state = CapacityState.Initial;
        for (var i = 0; i < 80; i++)
        {
            // Operating points change every four intervals, so most intervals start and end at the same one.
            work.KvCacheUse = 0.1 + (i / 4 % 4 * 0.15);
            work.Batch = 10 + (i / 4 % 3 * 10);
            state = CapacitySizing.Assess(policy, work.Advance(TimeSpan.FromSeconds(15)), new ReplicaCounts(2, 2), state, 10).State;
        }

        // Where this workload runs, the step time is what the slow server takes, within 5%; the default
        // profile would have been off by half.
        var learned = state.Estimate!.Profile(policy.Profile);
        Assert.True(state.Estimate.Samples >= 70, $"{state.Estimate.Samples}");
        foreach (var (batch, kv) in new[] { (10.0, 0.1), (20.0, 0.4), (30.0, 0.55) })
        {
            double Step(ServerProfile p) => (p.StepSeconds + (p.TokenSeconds * batch) + (p.FullCacheSeconds * kv)) / (1 - (p.TokenSeconds * 1800));
            Assert.InRange(Step(learned) / Step(slow), 0.95, 1.05);
            Assert.True(Step(ServerProfile.Default) / Step(slow) < 0.6);
        }
    }
}
