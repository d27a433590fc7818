using Scaler.Simulation;

namespace Scaler.Tests.Simulation;

/// <summary>The capacity bound on traces whose optimum is known by hand, and its validity on generated ones.</summary>
public class CapacityBoundTests
{
    private static readonly DeploymentOptions Deployment = new();

    private static readonly TimeSpan Slo = TimeSpan.FromSeconds(2);

    [Fact]
    public void Compute_OneRequestAfterAWhile_CostsOneStartUp()
    {
        // The initial replica could stay up 100 s, or stop and start again (60 s) just in time: at best 60 s.
        var trace = new Trace("one", [new TraceRequest(100, 900, 1)]);

        var bound = CapacityBound.Compute(trace, Deployment, 10, Slo);

        Assert.Equal(60.0 / 3600, bound.GpuHours, 9);
        Assert.Equal(1, bound.PeakReplicas);
    }

    [Fact]
    public void Compute_TwoRequestsFarApart_TwoStartUpsFromZero()
    {
        var trace = new Trace("two", [new TraceRequest(100, 900, 1), new TraceRequest(1000, 900, 1)]);

        var bound = CapacityBound.Compute(trace, Deployment with { InitialReplicas = 0 }, 10, Slo);

        // Start once (60 s); the gap of ~898 s costs a second start (60 s), not the wait.
        Assert.Equal(120.0 / 3600, bound.GpuHours, 9);
    }

    [Fact]
    public void Compute_BurstNeedingThreeReplicas_PaysTwoMoreStartUps()
    {
        // 30 prompts of 1,800 tokens at once: 6 s of prefill due within 2 s needs 3 replicas at some instant.
        var trace = new Trace("burst", [.. Enumerable.Repeat(new TraceRequest(200, 1800, 1), 30)]);

        var bound = CapacityBound.Compute(trace, Deployment, 10, Slo);

        // Level 1: the initial replica, kept or restarted (60 s); levels 2 and 3: one start-up each.
        Assert.Equal(3, bound.PeakReplicas);
        Assert.Equal(180.0 / 3600, bound.WindowGpuHours, 9);
        Assert.Equal(180.0 / 3600, bound.GpuHours, 9);
    }

    [Fact]
    public void Compute_BurstBeforeAnyReplicaCanStart_AsksOnlyForTheInitialOnes()
    {
        // At 20 s no new replica can be ready (60 s start-up): the burst cannot meet the objective, and the
        // bound does not ask the impossible of anyone.
        var trace = new Trace("early", [.. Enumerable.Repeat(new TraceRequest(20, 1800, 1), 30)]);

        var bound = CapacityBound.Compute(trace, Deployment, 10, Slo);

        Assert.Equal(1, bound.PeakReplicas);
        Assert.Equal(20.0 / 3600, bound.WindowGpuHours, 9);
    }

    [Fact]
    public void Compute_ClassicModel_UsesItsSlotsAndPrefillRate()
    {
        // 32 streams of 401 tokens at 40 tokens/s hold 16 slots for 10 s each: 2 replica-seconds of slots per
        // stream over 16 slots = 20 s; prefill is 32 × 100 / 8000 = 0.4 s.
        var trace = new Trace("streams", [.. Enumerable.Repeat(new TraceRequest(0, 100, 401), 32)]);

        var work = DeploymentOptions.ClassicPreset.Costs.MinimumReplicaSeconds(trace.Requests);

        Assert.Equal(32 * (0.0125 + 10) / 16, work, 9);
    }

    [Theory]
    [InlineData("bursty", 3)]
    [InlineData("steady", 4)]
    [InlineData("diurnal", 5)]
    public void Compute_GeneratedTraces_NoScheduleWithoutViolationsPaysLess(string shape, int seed)
    {
        var trace = TraceGenerator.Generate(Enum.Parse<TraceShape>(shape, ignoreCase: true), seed, TimeSpan.FromMinutes(10));
        var checkedOne = false;
        for (var n = 1; n <= 20; n++)
        {
            // n replicas ready from the start: a schedule like any other.
            var options = new SimulationOptions { Deployment = Deployment with { InitialReplicas = n }, Policies = new PolicyOptions { MaxReplicas = 20 } };
            var run = Simulator.Run(trace, new StaticLoop(n), options);
            if (run.SloViolations > 0)
            {
                continue;
            }

            var bound = CapacityBound.Compute(trace, options.Deployment, 20, Slo);
            Assert.True(bound.GpuHours <= run.GpuHours + 1e-9, $"{shape}: bound {bound.GpuHours:0.000} > fixed-{n} {run.GpuHours:0.000} without violations");
            checkedOne = true;
        }

        Assert.True(checkedOne, "some fixed count serves every request in time");
    }
}
