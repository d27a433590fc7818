using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scaler.Simulation;

/// <summary>Renders simulation results as a text table or JSON.</summary>
internal static class SimulationReport
{
    public static string Text(Trace trace, SimulationOptions options, IReadOnlyList<PolicyResult> results)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(results);
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c, $"trace: {trace.Name}: {trace.Requests.Length:N0} requests over {trace.DurationSeconds / 60:0.#} min");
        text.AppendLine(c, $"deployment: {options.Deployment.Describe()}; max {options.Policies.MaxReplicas} replicas; SLO: first token within {options.Slo.TotalSeconds:0.###} s");
        if (options.Policies.Outage is { } outage)
        {
            text.AppendLine(c, $"outage: every signal fails from {outage.StartSeconds / 60:0.#} to {outage.EndSeconds / 60:0.#} min");
        }

        text.AppendLine();
        var width = Math.Max(10, results.Max(r => r.Name.Length));
        text.AppendLine(c, $"{"policy".PadRight(width)}  GPU-hours  requests  SLO viol.  attained  p50 wait  p99 wait  scale events  mean repl.  at zero");
        foreach (var r in results)
        {
            text.AppendLine(c, $"{r.Name.PadRight(width)}  {r.GpuHours,9:0.00}  {r.Requests,8}  {r.SloViolations,9}  {r.SloAttainment * 100,7:0.00}%  {Seconds(r.P50WaitSeconds),8}  {Seconds(r.P99WaitSeconds),8}  {r.ScaleEvents,12}  {r.MeanReplicas,10:0.00}  {r.TimeAtZeroSeconds / 60,5:0.0} min");
        }

        return text.ToString();
    }

    public static string Json(IReadOnlyList<PolicyResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var report = new JsonReport([.. results.Select(r => new JsonPolicy(
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
            r.PeakReplicas))]);
        return JsonSerializer.Serialize(report, SimulationJsonContext.Default.JsonReport);
    }

    // JSON has no infinity; a wait that never ended is reported as null.
    private static double? Finite(double seconds) => double.IsFinite(seconds) ? Math.Round(seconds, 4) : null;

    private static string Seconds(double seconds) =>
        double.IsFinite(seconds) ? string.Create(CultureInfo.InvariantCulture, $"{seconds:0.00} s") : "never";
}

/// <summary>The JSON shape of <c>scaler simulate --format json</c>.</summary>
internal sealed record JsonReport(IReadOnlyList<JsonPolicy> Policies);

/// <summary>One policy in the JSON output.</summary>
internal sealed record JsonPolicy(
    string Name,
    double GpuHours,
    int Requests,
    int SloViolations,
    double SloAttainment,
    double? P50WaitSeconds,
    double? P99WaitSeconds,
    int ScaleEvents,
    double TimeAtZeroSeconds,
    double MeanReplicas,
    int PeakReplicas);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(JsonReport))]
internal sealed partial class SimulationJsonContext : JsonSerializerContext;
