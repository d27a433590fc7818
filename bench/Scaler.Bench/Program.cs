using System.Globalization;
using Scaler.Simulation;

// The honest evaluation (docs/simulator.md): every policy against the limit and the best fixed count, over
// many seeds, warm-up apart. Prints markdown; never part of the test run.
// Usage: dotnet run -c Release --project bench/Scaler.Bench [-- --seeds N] [--startup 60s,120s] [--quick]
var c = CultureInfo.InvariantCulture;
var seeds = Arg("--seeds") is { } s ? int.Parse(s, c) : 10;
var startups = (Arg("--startup") ?? "60s,120s").Split(',').Select(d => SimulateOptionsParser.ParseDuration(d, allowZero: false) ?? throw new ArgumentException($"--startup: {d}")).ToList();
var quick = args.Contains("--quick");
var sharedPath = Path.GetFullPath(Path.Combine("..", "shared", "traces", "azure-llm-inference-2023-code.csv"));
var azure = File.Exists(sharedPath) ? AzureTraceReader.Read(sharedPath) : null;
if (azure is null)
{
    Console.Error.WriteLine($"shared trace absent at {sharedPath}: run from the repository root with ../shared/traces/ present; skipping it");
}

var shapes = new[] { TraceShape.Bursty, TraceShape.Steady, TraceShape.Diurnal };
var started = DateTime.UtcNow;
Console.WriteLine(string.Create(c, $"Seeds 1-{seeds} of each generated shape (one hour each); the Azure code trace once. {new SimulationOptions().Deployment.Describe()}."));
Console.WriteLine(string.Create(c, $"{new SimulationOptions().Ages.Describe()}. SLO: first token within 2 s; violations are counted after the first 5 minutes (warm-up); GPU-hours over the whole run."));

foreach (var startup in startups)
{
    var options = new SimulationOptions { Deployment = new DeploymentOptions { StartupDelay = startup } };
    Console.WriteLine();
    Console.WriteLine(string.Create(c, $"## Start-up {startup.TotalSeconds:0} s"));
    foreach (var shape in shapes)
    {
        var summary = new SeedSummary();
        for (var seed = 1; seed <= seeds; seed++)
        {
            summary.Add(Evaluator.Run(TraceGenerator.Generate(shape, seed, TimeSpan.FromHours(1)), options));
        }

        PrintSummary($"{shape.ToString().ToLowerInvariant()} (generated, seeds 1-{seeds})", summary);
    }

    if (azure is not null)
    {
        var summary = new SeedSummary();
        summary.Add(Evaluator.Run(azure, options));
        PrintSummary("Azure code 2023 (shared trace, one run)", summary);
    }
}

if (!quick)
{
    var options = new SimulationOptions();
    Console.WriteLine();
    Console.WriteLine("## Warm start: sized for the first minute (start-up 60 s)");
    foreach (var shape in shapes)
    {
        var summary = new SeedSummary();
        for (var seed = 1; seed <= seeds; seed++)
        {
            summary.Add(Evaluator.Run(TraceGenerator.Generate(shape, seed, TimeSpan.FromHours(1)), options with { WarmStart = true }));
        }

        PrintSummary($"{shape.ToString().ToLowerInvariant()} (generated, seeds 1-{seeds}), warm start", summary, dominance: false);
    }

    Console.WriteLine();
    Console.WriteLine("## Pareto: each policy at several settings of its knob (start-up 60 s; median over the seeds)");
    Console.WriteLine();
    Console.WriteLine("| trace | policy | knob | GPU-hours | x clairvoyant | violations after warm-up |");
    Console.WriteLine("|---|---|---:|---:|---:|---:|");
    foreach (var shape in shapes)
    {
        var traces = Enumerable.Range(1, seeds).Select(seed => TraceGenerator.Generate(shape, seed, TimeSpan.FromHours(1))).ToList();
        var clairvoyant = traces.AsParallel().AsOrdered().Select(t => ClairvoyantPlanner.Plan(t, options).Result.GpuHours).ToList();
        foreach (var (policy, knobs) in new[] { (Policies.Composite, new[] { 2.0, 3, 5, 8, 12, 16, 24 }), (Policies.RequestsHpa, new[] { 8.0, 16, 24, 32, 48 }) })
        {
            foreach (var knob in knobs)
            {
                var tuned = options with { Policies = options.Policies with { DemandTarget = knob, RequestsHpaTarget = knob } };
                var runs = traces.AsParallel().AsOrdered().Select(t => Simulator.Run(t, Policies.Create(tuned).Single(l => l.Name == policy), tuned)).ToList();
                var ratio = Spread.Of(runs.Select((r, i) => r.GpuHours / clairvoyant[i]));
                Console.WriteLine(string.Create(c, $"| {shape.ToString().ToLowerInvariant()} | {policy} | {knob} per replica | {Spread.Of(runs.Select(r => r.GpuHours)).Format("0.00")} | {ratio.Format("0.00")} | {Spread.Of(runs.Select(r => (double)r.AfterWarmup.SloViolations)).Format("0")} |"));
            }
        }
    }
}

Console.WriteLine();
Console.WriteLine(string.Create(c, $"(bench took {(DateTime.UtcNow - started).TotalMinutes:0.0} min)"));

void PrintSummary(string title, SeedSummary summary, bool dominance = true)
{
    Console.WriteLine();
    Console.WriteLine($"### {title}");
    Console.WriteLine();
    Console.WriteLine("| policy | GPU-hours | x clairvoyant | x bound | violations after warm-up | share | p99 wait (s) |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
    foreach (var name in summary.Names)
    {
        var label = name;
        if (summary.Rows(name).Any(r => r.FixedCount is not null))
        {
            label += string.Create(c, $": {Spread.Of(summary.Rows(name).Select(r => (double)r.FixedCount!.Value)).Format("0")} replicas");
        }

        Console.WriteLine(string.Create(c,
            $"| {label} | {summary.Of(name, r => r.GpuHours).Format("0.00")} | {summary.Of(name, r => r.ToClairvoyant).Format("0.00")} | {summary.Of(name, r => r.ToBound).Format("0.00")} | {summary.Of(name, r => r.Violations).Format("0")} | {summary.Of(name, r => r.ViolationShare * 100).Format("0.0")}% | {summary.Of(name, r => double.IsFinite(r.P99WaitSeconds) ? r.P99WaitSeconds : double.NaN).Format("0.0")} |"));
    }

    if (summary.Rows(SeedSummary.BestFixedName).Count < summary.Seeds)
    {
        Console.WriteLine(string.Create(c, $"\nNo fixed count up to the maximum kept violations within 1% on {summary.Seeds - summary.Rows(SeedSummary.BestFixedName).Count} of {summary.Seeds} runs."));
    }

    if (!dominance || summary.Seeds < 2)
    {
        return;
    }

    var rows = summary.Names.Where(n => n != SeedSummary.MatchingFixedName).ToList();
    Console.WriteLine();
    Console.WriteLine($"Seeds on which the row dominates the column (no more GPU-hours and no more violations after warm-up), of {summary.Seeds}:");
    Console.WriteLine();
    Console.WriteLine("| dominates | " + string.Join(" | ", rows) + " |");
    Console.WriteLine("|---|" + string.Concat(rows.Select(_ => "---:|")));
    foreach (var a in rows)
    {
        Console.WriteLine($"| {a} | " + string.Join(" | ", rows.Select(b => a == b ? "-" : summary.Dominates(a, b).Dominated.ToString(c))) + " |");
    }
}

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
