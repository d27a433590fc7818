using System.Globalization;
using Scaler.Decisions.Capacity;
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
var goals = new List<string>();
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
        Goal($"{shape.ToString().ToLowerInvariant()}, start-up {startup.TotalSeconds:0} s", summary, chat: shape != TraceShape.Bursty);
    }

    if (azure is not null)
    {
        var summary = new SeedSummary();
        summary.Add(Evaluator.Run(azure, options));
        PrintSummary("Azure code 2023 (shared trace, one run)", summary);
        Goal($"Azure code 2023, start-up {startup.TotalSeconds:0} s", summary, chat: false);
    }
}

Console.WriteLine();
Console.WriteLine("## Goal: the composite (capacity sizing, defaults) against the limit and every baseline");
Console.WriteLine();
Console.WriteLine("Medians over the seeds; \"dominates\" counts the seeds on which the composite had no more GPU-hours and no more violations after warm-up than the baseline.");
Console.WriteLine();
Console.WriteLine("| trace | x clairvoyant (chat: <= 1.5) | vs hpa-gpu-util | vs keda-pending | vs hpa-requests | vs best fixed (<=1%) |");
Console.WriteLine("|---|---|---|---|---|---|");
goals.ForEach(Console.WriteLine);

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
        var settings = new List<(string Policy, string Knob, SimulationOptions Options)>();
        foreach (var percentile in new[] { 90.0, 95, 99, 99.9 })
        {
            settings.Add((Policies.Composite, string.Create(c, $"p{percentile} TTFT <= 2 s"), options with { Policies = options.Policies with { Capacity = new CapacityPolicy { Percentile = percentile } } }));
        }

        foreach (var coverage in new[] { 0.0, 0.5, 0.95 })
        {
            settings.Add((Policies.Composite, string.Create(c, $"burst coverage {coverage}"), options with { Policies = options.Policies with { Capacity = new CapacityPolicy { BurstCoverage = coverage } } }));
        }

        foreach (var knob in new[] { 2.0, 3, 5, 8, 12, 16, 24 })
        {
            settings.Add((Policies.CompositePending, string.Create(c, $"{knob} pending per replica"), options with { Policies = options.Policies with { DemandTarget = knob } }));
        }

        foreach (var knob in new[] { 8.0, 16, 24, 32, 48 })
        {
            settings.Add((Policies.RequestsHpa, string.Create(c, $"{knob} per pod"), options with { Policies = options.Policies with { RequestsHpaTarget = knob } }));
        }

        foreach (var (policy, knob, tuned) in settings)
        {
            var runs = traces.AsParallel().AsOrdered().Select(t => Simulator.Run(t, Policies.Create(tuned).Single(l => l.Name == policy), tuned)).ToList();
            var ratio = Spread.Of(runs.Select((r, i) => r.GpuHours / clairvoyant[i]));
            Console.WriteLine(string.Create(c, $"| {shape.ToString().ToLowerInvariant()} | {policy} | {knob} | {Spread.Of(runs.Select(r => r.GpuHours)).Format("0.00")} | {ratio.Format("0.00")} | {Spread.Of(runs.Select(r => (double)r.AfterWarmup.SloViolations)).Format("0")} |"));
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

void Goal(string trace, SeedSummary summary, bool chat)
{
    var composite = Policies.Composite;
    var ratio = summary.Of(composite, r => r.ToClairvoyant).Median;
    var cells = new List<string> { string.Create(c, $"{ratio:0.00}{(chat ? (ratio <= 1.5 ? ": met" : ": NOT met") : "")}") };
    var gpu = summary.Of(composite, r => r.GpuHours).Median;
    var violations = summary.Of(composite, r => r.Violations).Median;
    foreach (var baseline in new[] { Policies.Hpa, Policies.Keda, Policies.RequestsHpa, SeedSummary.BestFixedName })
    {
        if (summary.Rows(baseline).Count == 0)
        {
            cells.Add("no fixed count within 1%");
            continue;
        }

        var otherGpu = summary.Of(baseline, r => r.GpuHours).Median;
        var otherViolations = summary.Of(baseline, r => r.Violations).Median;
        var met = gpu <= otherGpu + 1e-9 && violations <= otherViolations;
        var (wins, both) = summary.Dominates(composite, baseline);
        cells.Add(string.Create(c, $"{gpu:0.00} / {violations:0} vs {otherGpu:0.00} / {otherViolations:0}: {(met ? "met" : "NOT met")} (dominates {wins}/{both})"));
    }

    goals.Add($"| {trace} | {string.Join(" | ", cells)} |");
}

string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
