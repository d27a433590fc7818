using Scaler.Simulation;

namespace Scaler.Tests.Simulation;

/// <summary>The clairvoyant schedule: replicas started ahead of need, no worse than the maximum, never below the bound.</summary>
public class ClairvoyantPlannerTests
{
    private static readonly SimulationOptions Options = new();

    [Fact]
    public void Plan_KnownBurst_StartsReplicasOneStartUpAhead()
    {
        var trace = new Trace("burst", [new TraceRequest(0, 100, 1), .. Enumerable.Repeat(new TraceRequest(200, 1800, 1), 30)]);

        var plan = ClairvoyantPlanner.Plan(trace, Options);

        // Ready by 200 s means asked for by 140 s; nothing more is asked long before.
        var at = (double seconds) => plan.Schedule[(int)(seconds / plan.SlotSeconds)];
        Assert.True(at(140) >= 3, string.Join(",", plan.Schedule));
        Assert.True(at(60) <= 1, string.Join(",", plan.Schedule));
        Assert.Equal(0, plan.Result.AfterWarmup.SloViolations);
    }

    [Theory]
    [InlineData("bursty", 21)]
    [InlineData("diurnal", 22)]
    public void Plan_GeneratedTrace_NoWorseThanTheMaximumAndAboveTheBound(string shape, int seed)
    {
        var trace = TraceGenerator.Generate(Enum.Parse<TraceShape>(shape, ignoreCase: true), seed, TimeSpan.FromMinutes(15));

        var evaluation = Evaluator.Run(trace, Options);
        var clairvoyant = evaluation.Clairvoyant.Result;
        var maximum = evaluation.Fixed[^1];

        Assert.True(clairvoyant.AfterWarmup.SloViolations <= maximum.AfterWarmup.SloViolations + 2,
            $"clairvoyant {clairvoyant.AfterWarmup.SloViolations} vs fixed-10 {maximum.AfterWarmup.SloViolations}");
        Assert.True(clairvoyant.GpuHours < maximum.GpuHours);
        Assert.True(evaluation.Bound.GpuHours <= clairvoyant.GpuHours);
    }

    [Fact]
    public void FirstMinuteReplicas_BusyStart_SizesTheWarmStart()
    {
        var quiet = new Trace("quiet", [new TraceRequest(0, 100, 10), new TraceRequest(30, 100, 10)]);
        var busy = new Trace("busy", [.. Enumerable.Range(0, 600).Select(i => new TraceRequest(i * 0.1, 1800, 10))]);

        Assert.Equal(1, ClairvoyantPlanner.FirstMinuteReplicas(quiet, Options.Deployment, 10, Options.Slo));

        // 10 prompts a second of 0.2 s each: 2 replicas of prefill alone, planned at 80%.
        Assert.InRange(ClairvoyantPlanner.FirstMinuteReplicas(busy, Options.Deployment, 10, Options.Slo), 3, 4);
    }
}
