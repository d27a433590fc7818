using System.Globalization;
using Scaler.Decisions;
using Scaler.Simulation;

// The goal benchmark of issue 3 (docs/simulator.md). Prints markdown tables; never part of the test run.
// Usage: dotnet run --project bench/Scaler.Bench [-- --prefill-rate N]
var c = CultureInfo.InvariantCulture;
var prefill = args is ["--prefill-rate", var rate] ? double.Parse(rate, c) : new DeploymentOptions().PrefillTokensPerSecond;
var deployment = new DeploymentOptions { PrefillTokensPerSecond = prefill };
var sharedPath = Path.GetFullPath(Path.Combine("..", "shared", "traces", "azure-llm-inference-2023-code.csv"));

var traces = new List<Trace> { TraceGenerator.Generate(TraceShape.Bursty, 42, TimeSpan.FromHours(1)) };
if (File.Exists(sharedPath))
{
    traces.Add(AzureTraceReader.Read(sharedPath));
}
else
{
    Console.Error.WriteLine($"shared trace absent at {sharedPath}: run from the repository root with ../shared/traces/ present; skipping it");
}

traces.Add(TraceGenerator.Generate(TraceShape.Steady, 42, TimeSpan.FromHours(1)));
traces.Add(TraceGenerator.Generate(TraceShape.Diurnal, 42, TimeSpan.FromHours(1)));

Console.WriteLine(string.Create(c, $"Deployment: {deployment.Describe()}; max 10 replicas; SLO: first token within 2 s."));
Console.WriteLine();
Console.WriteLine("## Goal: composite vs baselines (default policies)");
Console.WriteLine();
Console.WriteLine("| trace | policy | GPU-hours | requests | SLO violations | attained | p50 wait | p99 wait | scale events | at zero |");
Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
var verdicts = new List<string>();
foreach (var trace in traces)
{
    var results = Simulator.Run(trace, new SimulationOptions { Deployment = deployment });
    foreach (var r in results)
    {
        Console.WriteLine(string.Create(c, $"| {Short(trace)} | {r.Name} | {r.GpuHours:0.00} | {r.Requests} | {r.SloViolations} | {r.SloAttainment * 100:0.0}% | {r.P50WaitSeconds:0.00} s | {r.P99WaitSeconds:0.0} s | {r.ScaleEvents} | {r.TimeAtZeroSeconds / 60:0.0} min |"));
    }

    var composite = results.Single(r => r.Name == Policies.Composite);
    var hpa = results.Single(r => r.Name == Policies.Hpa);
    var keda = results.Single(r => r.Name == Policies.Keda);
    var saving = 1 - (composite.GpuHours / hpa.GpuHours);
    var gpuGoal = saving >= 0.25 && composite.SloAttainment >= hpa.SloAttainment;
    var kedaGoal = composite.SloViolations * 3 <= keda.SloViolations;
    verdicts.Add(string.Create(c,
        $"| {Short(trace)} | {Math.Abs(saving) * 100:0.0}% {(saving >= 0 ? "fewer" : "more")} GPU-hours, attainment {composite.SloAttainment * 100:0.0}% vs {hpa.SloAttainment * 100:0.0}%: {(gpuGoal ? "met" : "NOT met")} | {composite.SloViolations} vs {keda.SloViolations} ({(keda.SloViolations == 0 ? "-" : ((double)composite.SloViolations / keda.SloViolations).ToString("0.00", c) + "x")}): {(kedaGoal ? "met" : "NOT met")} |"));
}

Console.WriteLine();
Console.WriteLine("| trace | vs GPU-utilization HPA (goal: >= 25% fewer GPU-hours at >= attainment) | vs KEDA (goal: <= 1/3 of its violations) |");
Console.WriteLine("|---|---|---|");
verdicts.ForEach(Console.WriteLine);

Console.WriteLine();
Console.WriteLine("## How GPU utilization takes part (composite saturation modes)");
Console.WriteLine();
Console.WriteLine("| trace | mode | GPU-hours | SLO violations | p99 wait |");
Console.WriteLine("|---|---|---:|---:|---:|");
foreach (var trace in traces)
{
    var options = new SimulationOptions
    {
        Deployment = deployment,
        Policies = new PolicyOptions { SaturationModes = [SaturationMode.Max, SaturationMode.HoldOnly, SaturationMode.HoldAndAddWithDemand, SaturationMode.Ignore] },
    };
    foreach (var r in Simulator.Run(trace, options).Where(r => r.Name.StartsWith(Policies.Composite, StringComparison.Ordinal)))
    {
        Console.WriteLine(string.Create(c, $"| {Short(trace)} | {r.Name} | {r.GpuHours:0.00} | {r.SloViolations} | {r.P99WaitSeconds:0.0} s |"));
    }
}

Console.WriteLine();
Console.WriteLine("## Sensitivity: composite scale-up rate limit (not a default change)");
Console.WriteLine();
Console.WriteLine("| trace | scale-up rule | GPU-hours | SLO violations |");
Console.WriteLine("|---|---|---:|---:|");
foreach (var trace in traces.Take(2))
{
    foreach (var (name, up) in new[] { ("2 pods / 60 s (default)", ScalingRules.DefaultUp), ("4 pods / 60 s", new ScalingRules(TimeSpan.Zero, [new RateLimit(RateLimitKind.Pods, 4, TimeSpan.FromSeconds(60))])), ("Kubernetes default (4 pods or 100% / 15 s)", ScalingRules.KubernetesUp) })
    {
        var options = new SimulationOptions { Deployment = deployment };
        var policy = Policies.CompositePolicy(options.Policies, ScalingPolicy.Defaults.Saturation) with { ScaleUp = up };
        var r = Simulator.Run(trace, new EngineLoop(Policies.Composite, policy, TimeSpan.FromSeconds(15), pushActivation: true, outage: null, DateTimeOffset.UnixEpoch), options);
        Console.WriteLine(string.Create(c, $"| {Short(trace)} | {name} | {r.GpuHours:0.00} | {r.SloViolations} |"));
    }
}

Console.WriteLine();
Console.WriteLine("## Sensitivity: demand target (pending requests per replica) against holding on GPU utilization");
Console.WriteLine();
Console.WriteLine("| trace | mode | target | GPU-hours | SLO violations |");
Console.WriteLine("|---|---|---:|---:|---:|");
foreach (var trace in traces.Take(2))
{
    foreach (var mode in new[] { SaturationMode.HoldOnly, SaturationMode.Ignore })
    {
        foreach (var target in new[] { 3.0, 4.0, 5.0 })
        {
            var options = new SimulationOptions { Deployment = deployment };
            var policy = Policies.CompositePolicy(options.Policies, mode);
            policy = policy with { Signals = [policy.Signals[0] with { Target = target }, .. policy.Signals[1..]] };
            var r = Simulator.Run(trace, new EngineLoop(Policies.Composite, policy, TimeSpan.FromSeconds(15), pushActivation: true, outage: null, DateTimeOffset.UnixEpoch), options);
            Console.WriteLine(string.Create(c, $"| {Short(trace)} | {Policies.ModeName(mode)} | {target} | {r.GpuHours:0.00} | {r.SloViolations} |"));
        }
    }
}

Console.WriteLine();
Console.WriteLine("## Reference: fixed replica counts (what standing capacity alone buys)");
Console.WriteLine();
Console.WriteLine("| trace | replicas | GPU-hours | SLO violations |");
Console.WriteLine("|---|---:|---:|---:|");
foreach (var trace in traces.Take(2))
{
    foreach (var n in new[] { 2, 4, 6, 10 })
    {
        var r = Simulator.Run(trace, new StaticLoop(n), new SimulationOptions { Deployment = deployment });
        Console.WriteLine(string.Create(c, $"| {Short(trace)} | {n} | {r.GpuHours:0.00} | {r.SloViolations} |"));
    }
}

static string Short(Trace trace) => trace.Name.StartsWith("azure", StringComparison.Ordinal) ? "Azure code 2023" : trace.Name.Split(' ')[0] + " (generated)";
