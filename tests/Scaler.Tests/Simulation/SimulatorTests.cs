using Scaler.Decisions;
using Scaler.Simulation;

namespace Scaler.Tests.Simulation;

/// <summary>The relations docs/simulator.md and docs/decisions.md claim, on small generated traces.</summary>
public class SimulatorTests
{
    private static readonly SimulationOptions Options = new();

    private static Dictionary<string, PolicyResult> Run(Trace trace, SimulationOptions? options = null) =>
        Simulator.Run(trace, options ?? Options).ToDictionary(r => r.Name);

    [Fact]
    public void Run_ChatTraffic_GpuUtilizationHpaPaysForSaturation()
    {
        // Chat-like streams keep every replica's duty cycle near 100%: the HPA on GPU utilization keeps
        // adding replicas that the pending requests do not need.
        var results = Run(TraceGenerator.Generate(TraceShape.Steady, 3, TimeSpan.FromMinutes(30)));
        var composite = results[Policies.Composite];
        var hpa = results[Policies.Hpa];

        Assert.True(composite.GpuHours <= 0.75 * hpa.GpuHours, $"composite {composite.GpuHours:0.00} vs hpa {hpa.GpuHours:0.00}");
        Assert.True(composite.SloViolations <= hpa.SloViolations, $"composite {composite.SloViolations} vs hpa {hpa.SloViolations}");
    }

    [Fact]
    public void Run_BurstySeed42_CompositeBeatsBothBaselinesOnSlo()
    {
        // Pins one generated half hour (seed 42), not a claim over seeds: a change to the engine or the model
        // that loses this example fails here, and is then measured over many seeds before it is accepted.
        var results = Run(TraceGenerator.Generate(TraceShape.Bursty, 42, TimeSpan.FromMinutes(30)));
        var composite = results[Policies.Composite];

        Assert.True(composite.SloViolations < results[Policies.Keda].SloViolations, Describe(results));
        Assert.True(composite.SloViolations < results[Policies.Hpa].SloViolations, Describe(results));
        Assert.True(composite.GpuHours < results[Policies.Hpa].GpuHours, Describe(results));
    }

    [Fact]
    public void Run_IdleGapsLongerThanCooldown_KedaGoesToZeroCompositeKeepsAWarmReplica()
    {
        // Ten busy minutes, eight idle minutes, ten busy minutes.
        var busy = TraceGenerator.Generate(TraceShape.Steady, 5, TimeSpan.FromMinutes(10)).Requests;
        var trace = new Trace("gap", [.. busy, .. busy.Select(r => r with { ArrivalSeconds = r.ArrivalSeconds + 1080 })]);

        var results = Run(trace);

        Assert.Equal(0, results[Policies.Composite].TimeAtZeroSeconds);
        Assert.True(results[Policies.Keda].TimeAtZeroSeconds > 60, Describe(results));
        Assert.True(results[Policies.Composite].SloViolations < results[Policies.Keda].SloViolations, Describe(results));
    }

    [Fact]
    public void Run_LongIdle_CompositeScalesToZeroAndBackOnFirstRequest()
    {
        var trace = new Trace("two", [new TraceRequest(0, 500, 5), new TraceRequest(1800, 500, 5)]);
        var options = Options with { Policies = Options.Policies with { ScaleToZeroAfter = TimeSpan.FromMinutes(10) } };

        var composite = Simulator.Run(trace, Policies.Create(options.Policies)[0], options);

        // Zero from ~10 min (plus the down rate limit) until the second request; then one start-up delay.
        Assert.InRange(composite.TimeAtZeroSeconds, 1000, 1200);
        Assert.InRange(composite.P99WaitSeconds, 60, 61);
    }

    [Fact]
    public void Run_SignalOutage_CompositeHoldsKedaReadsZero()
    {
        var trace = TraceGenerator.Generate(TraceShape.Steady, 9, TimeSpan.FromMinutes(30));
        var outage = new Outage(600, 1500);
        var options = Options with { Policies = Options.Policies with { Outage = outage } };
        var results = Run(trace, options);

        double During(PolicyResult r) => r.Series.Where(p => p.AtSeconds >= 700 && p.AtSeconds < 1500).Min(p => p.Replicas);
        double Before(PolicyResult r) => r.Series.Where(p => p.AtSeconds >= 500 && p.AtSeconds < 600).Min(p => p.Replicas);

        // Unknown is never 0: the composite keeps what it had; KEDA's Prometheus trigger reads 0 (#3065).
        Assert.True(During(results[Policies.Composite]) >= Before(results[Policies.Composite]), Describe(results));
        Assert.True(During(results[Policies.Keda]) < Before(results[Policies.Keda]), Describe(results));
    }

    [Fact]
    public void Run_SameTraceTwice_SameResults()
    {
        // Pins that a run has no hidden randomness or clock (Random.Shared, DateTime, dictionary order): the
        // same trace and options give the same numbers, which every comparison in docs/simulator.md relies on.
        var trace = TraceGenerator.Generate(TraceShape.Bursty, 11, TimeSpan.FromMinutes(10));

        var a = Simulator.Run(trace, Options).Select(r => (r.Name, r.GpuHours, r.SloViolations));
        var b = Simulator.Run(trace, Options).Select(r => (r.Name, r.GpuHours, r.SloViolations));

        Assert.Equal(a, b);
    }

    [Fact]
    public void Run_EveryPolicy_ServesEveryRequestAndRespectsMax()
    {
        var trace = TraceGenerator.Generate(TraceShape.Diurnal, 2, TimeSpan.FromMinutes(20));
        var options = Options with { Policies = Options.Policies with { MaxReplicas = 4, SaturationModes = [SaturationMode.Max, SaturationMode.Ignore] } };

        foreach (var result in Simulator.Run(trace, options))
        {
            Assert.Equal(trace.Requests.Length, result.Requests);
            Assert.True(double.IsFinite(result.P99WaitSeconds), result.Name);
            Assert.InRange(result.PeakReplicas, 1, 4);
        }
    }

    private static string Describe(Dictionary<string, PolicyResult> results) =>
        string.Join("; ", results.Values.Select(r => $"{r.Name}: {r.GpuHours:0.00} GPU-h, {r.SloViolations} viol, {r.TimeAtZeroSeconds:0} s at zero"));
}
