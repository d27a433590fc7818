using Scaler.Decisions.Capacity;

namespace Scaler.Tests.Decisions.Capacity;

/// <summary>The queueing model against cases computed by hand, and the sizing's monotone search.</summary>
public class QueueingModelTests
{
    // 25 ms steps, 9,000 tokens/s, no KV term: the numbers below are worked out from these.
    private static readonly ServerProfile Profile = new(0.025, 1.0 / 9000, 0, 0, 2048, 256);

    [Fact]
    public void Evaluate_ChatLoad_MatchesTheHandComputation()
    {
        // λ = 2 req/s, P = 1,000, O = 100:
        //   ρ = 2 × 1,100 / 9,000 = 0.24444; t = 0.025 / (1 − ρ) = 0.033088 s; B = λ O t = 6.6176
        //   full step = 0.025 + 2,048 / 9,000 = 0.252556 s; μ = (2,048 − B) / full step = 8,082.9 tokens/s
        //   service = 1,000 / μ = 0.1237179 s; ρp = λ × service = 0.2474358
        //   p99 TTFT = ln(100) × service / (1 − ρp) + t / 2 = 0.7570654 + 0.0165441 = 0.7736095 s
        var point = QueueingModel.Evaluate(Profile, 2, 1000, 100, 99);

        Assert.Equal(0.244444, point.Utilization, 6);
        Assert.Equal(0.033088, point.StepSeconds, 6);
        Assert.Equal(6.6176, point.Batch, 4);
        Assert.Equal(0.2474358, point.PrefillUtilization, 6);
        Assert.Equal(0.77361, point.TimeToFirstToken, 4);
    }

    [Theory]
    // more arrivals than the tokens can be computed: the steps grow without bound
    [InlineData(10, 1000, 100)]
    // the prompt queue alone is overloaded (prefill throughput ~8,100 tokens/s against 8,200 arriving)
    [InlineData(4.1, 2000, 1)]
    public void Evaluate_Overloaded_TimeToFirstTokenIsInfinite(double lambda, double prompt, double output)
    {
        Assert.True(double.IsPositiveInfinity(QueueingModel.Evaluate(Profile, lambda, prompt, output, 99).TimeToFirstToken));
    }

    [Fact]
    public void Evaluate_FullerCache_LongerSteps()
    {
        var withCache = Profile with { FullCacheSeconds = 0.035, KvCacheTokens = 50_000 };

        var point = QueueingModel.Evaluate(withCache, 2, 1000, 100, 99);

        // Reading the cache costs 0.035 s / 50,000 per token held: ρ = 2 × (1,100 / 9,000 + 7e-7 × 100 × 1,050)
        // = 0.391444, t = 0.025 / (1 − ρ) = 0.041078, B = 8.2157, KV use = B × 1,050 / 50,000 = 0.172529.
        Assert.Equal(0.391444, point.Utilization, 6);
        Assert.Equal(0.17253, point.KvCacheUse, 4);
        Assert.True(point.StepSeconds > QueueingModel.Evaluate(Profile, 2, 1000, 100, 99).StepSeconds);
    }

    [Theory]
    // chat: a few replicas
    [InlineData(4, 1400, 180)]
    // code: long prompts, short answers
    [InlineData(3, 2250, 25)]
    // heavy: close to the maximum
    [InlineData(30, 1400, 180)]
    public void Replicas_Fewest_MeetsTheObjectiveAndASmallerCountDoesNot(double lambda, double prompt, double output)
    {
        var policy = new CapacityPolicy();

        var replicas = QueueingModel.Replicas(Profile, policy, lambda, prompt, output, 100);

        Assert.True(QueueingModel.Acceptable(QueueingModel.Evaluate(Profile, lambda / replicas, prompt, output, 99), Profile, policy));
        Assert.False(QueueingModel.Acceptable(QueueingModel.Evaluate(Profile, lambda / (replicas * 0.99), prompt, output, 99), Profile, policy));
    }

    [Fact]
    public void Replicas_NoLoadIsZeroAndTooMuchIsInfinite()
    {
        var policy = new CapacityPolicy();

        Assert.Equal(0, QueueingModel.Replicas(Profile, policy, 0, 1000, 100, 10));
        Assert.True(double.IsPositiveInfinity(QueueingModel.Replicas(Profile, policy, 500, 1000, 100, 10)));
    }

    [Fact]
    public void Replicas_StricterObjective_MoreReplicas()
    {
        var loose = QueueingModel.Replicas(Profile, new CapacityPolicy { Percentile = 90 }, 4, 1400, 180, 100);
        var strict = QueueingModel.Replicas(Profile, new CapacityPolicy { Percentile = 99.9 }, 4, 1400, 180, 100);
        var tight = QueueingModel.Replicas(Profile, new CapacityPolicy { TimeToFirstToken = TimeSpan.FromSeconds(0.5) }, 4, 1400, 180, 100);

        Assert.True(loose < strict, $"p90 {loose}, p99.9 {strict}");
        Assert.True(QueueingModel.Replicas(Profile, new CapacityPolicy(), 4, 1400, 180, 100) < tight);
    }
}
