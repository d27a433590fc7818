using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Scaler.Simulation;

/// <summary>Renders an <see cref="Evaluation"/> as a text table or JSON.</summary>
internal static class SimulationReport
{
    public static string Text(Trace trace, Evaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(evaluation);
        var options = evaluation.Options;
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"trace: {trace.Name}: {trace.Requests.Length:N0} requests over {trace.DurationSeconds / 60:0.#} min");
        text.AppendLine(c, $"deployment: {options.Deployment.Describe()}; {options.Deployment.InitialReplicas} ready at the start; max {options.Policies.MaxReplicas} replicas");
        text.AppendLine(c, $"{options.Ages.Describe()}");
        text.AppendLine(c, $"SLO: first token within {options.Slo.TotalSeconds:0.###} s; the first {options.Warmup.TotalMinutes:0.#} min are reported apart (warm-up)");
        if (options.Policies.Outage is { } outage)
        {
            text.AppendLine(c, $"outage: every signal fails from {outage.StartSeconds / 60:0.#} to {outage.EndSeconds / 60:0.#} min");
        }

        text.AppendLine();
        var rows = new List<(string Name, PolicyResult Result)>();
        rows.AddRange(evaluation.Policies.Select(r => (r.Name, r)));
        var composite = evaluation.Policies.FirstOrDefault(r => r.Name.StartsWith(Policies.Composite, StringComparison.Ordinal));
        if (evaluation.CheapestFixedWithinBudget is { } budget)
        {
            rows.Add(($"{budget.Name} (cheapest <=1%)", budget));
        }

        if (composite is not null && evaluation.CheapestFixedMatching(composite) is { } matching)
        {
            rows.Add(($"{matching.Name} (= {composite.Name})", matching));
        }

        rows.Add(("clairvoyant", evaluation.Clairvoyant.Result));
        var width = Math.Max(12, rows.Max(r => r.Name.Length));
        text.AppendLine(c, $"{"policy".PadRight(width)}  GPU-hours  x bound  x clairv.  SLO viol.  after warm-up  attained*  p50 wait  p99 wait  scale events  at zero");
        foreach (var (name, r) in rows)
        {
            text.AppendLine(c, $"{name.PadRight(width)}  {r.GpuHours,9:0.00}  {Ratio(evaluation.ToBound(r)),7}  {Ratio(evaluation.ToClairvoyant(r)),9}  {r.SloViolations,9}  {r.AfterWarmup.SloViolations,13}  {r.AfterWarmup.SloAttainment * 100,8:0.00}%  {Seconds(r.P50WaitSeconds),8}  {Seconds(r.P99WaitSeconds),8}  {r.ScaleEvents,12}  {r.TimeAtZeroSeconds / 60,3:0.0} min");
        }

        text.AppendLine(c, $"{"bound".PadRight(width)}  {evaluation.Bound.GpuHours,9:0.00}  {"1.00",7}  {Ratio(evaluation.Bound.GpuHours / evaluation.Clairvoyant.Result.GpuHours),9}  (a lower bound on GPU-hours for meeting the SLO wherever it can be met)");
        if (evaluation.CheapestFixedWithinBudget is null)
        {
            text.AppendLine(c, $"no fixed count up to {options.Policies.MaxReplicas} keeps violations after warm-up within 1%");
        }

        text.AppendLine("* attained: share of requests within the SLO after warm-up");
        return text.ToString();
    }

    public static string Json(Evaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var composite = evaluation.Policies.FirstOrDefault(r => r.Name.StartsWith(Policies.Composite, StringComparison.Ordinal));
        var report = new JsonReport(
            [.. evaluation.Policies.Select(r => Policy(r, evaluation))],
            new JsonLimit(
                Math.Round(evaluation.Bound.GpuHours, 4),
                Math.Round(evaluation.Bound.WorkGpuHours, 4),
                Math.Round(evaluation.Bound.WindowGpuHours, 4),
                Policy(evaluation.Clairvoyant.Result, evaluation)),
            [.. evaluation.Fixed.Select(r => Policy(r, evaluation))],
            evaluation.CheapestFixedWithinBudget?.Name,
            composite is null ? null : evaluation.CheapestFixedMatching(composite)?.Name);
        return JsonSerializer.Serialize(report, SimulationJsonContext.Default.JsonReport);
    }

    private static JsonPolicy Policy(PolicyResult r, Evaluation evaluation) => new(
        r.Name,
        Math.Round(r.GpuHours, 4),
        r.Requests,
        r.SloViolations,
        Math.Round(r.SloAttainment, 6),
        Finite(r.P50WaitSeconds),
        Finite(r.P99WaitSeconds),
        r.ScaleEvents,
        Math.Round(r.TimeAtZeroSeconds, 2),
        Math.Round(r.MeanReplicas, 4),
        r.PeakReplicas,
        Finite(evaluation.ToBound(r)),
        Finite(evaluation.ToClairvoyant(r)),
        Segment(r.Warmup),
        Segment(r.AfterWarmup));

    private static JsonSegment Segment(ResultSegment s) => new(Math.Round(s.GpuHours, 4), s.Requests, s.SloViolations, Math.Round(s.SloAttainment, 6));

    // JSON has no infinity; a wait that never ended is reported as null.
    private static double? Finite(double value) => double.IsFinite(value) ? Math.Round(value, 4) : null;

    private static string Ratio(double ratio) => double.IsFinite(ratio) ? string.Create(CultureInfo.InvariantCulture, $"{ratio:0.00}") : "-";

    private static string Seconds(double seconds) =>
        double.IsFinite(seconds) ? string.Create(CultureInfo.InvariantCulture, $"{seconds:0.00} s") : "never";
}
