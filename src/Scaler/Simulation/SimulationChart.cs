using System.Collections.Immutable;
using System.Globalization;
using Scaler.Charts;

namespace Scaler.Simulation;

/// <summary>
/// The simulator's chart, drawn with the product's <see cref="SvgChart"/>: one panel per policy, load
/// (requests/s) as a grey area, replicas as a red step line, and the clairvoyant schedule's replicas as a
/// dashed blue reference line.
/// </summary>
internal static class SimulationChart
{
    private const string Load = "#ccc";
    private const string Replicas = "#c0392b";
    private const string Clairvoyant = "#2e6fb7";

    public static string Render(Trace trace, IReadOnlyList<PolicyResult> results, int maxReplicas, PolicyResult? reference = null)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(results);
        var c = CultureInfo.InvariantCulture;
        var end = Math.Max(1, results.Max(r => r.Series.IsDefaultOrEmpty ? 0 : r.Series[^1].AtSeconds));
        var maxLoad = Math.Max(1, results.Max(r => r.Series.IsDefaultOrEmpty ? 0 : r.Series.Max(p => p.ArrivalsPerSecond)));
        var loadAxis = new ChartAxis(maxLoad, string.Create(c, $"{maxLoad:0}/s"));
        var replicaAxis = new ChartAxis(maxReplicas, string.Create(c, $"{maxReplicas} repl."), Replicas);
        var clairvoyant = reference is null || reference.Series.IsDefaultOrEmpty
            ? null
            : new ChartSeries("clairvoyant replicas", [.. reference.Series.Select(p => new ChartPoint(p.AtSeconds, p.Replicas))], Clairvoyant, SeriesShape.Step)
            {
                RightAxis = true,
                Dash = "5,3",
                Width = 1.2,
            };
        var panels = results.Select(result =>
        {
            var series = ImmutableArray.CreateBuilder<ChartSeries>();
            if (!result.Series.IsDefaultOrEmpty)
            {
                series.Add(new ChartSeries("load, requests/s", [.. result.Series.Select(p => new ChartPoint(p.AtSeconds, p.ArrivalsPerSecond))], Load, SeriesShape.Area));
                series.Add(new ChartSeries("replicas", [.. result.Series.Select(p => new ChartPoint(p.AtSeconds, p.Replicas))], Replicas, SeriesShape.Step) { RightAxis = true });
            }

            if (clairvoyant is not null)
            {
                series.Add(clairvoyant);
            }

            var p99 = double.IsFinite(result.P99WaitSeconds) ? result.P99WaitSeconds.ToString("0.0", c) + " s" : "never";
            return new ChartPanel(
                string.Create(c, $"{result.Name}: {result.GpuHours:0.00} GPU-hours, {result.SloViolations} of {result.Requests} requests over the SLO, p99 wait {p99}"),
                0,
                end,
                loadAxis,
                series.ToImmutable())
            {
                Right = replicaAxis,
                XEndLabel = string.Create(c, $"{end / 60:0} min"),
            };
        }).ToList();
        return SvgChart.Render(
            $"{trace.Name}: load (grey, requests/s, left axis), replicas (red line, right axis), clairvoyant replicas (dashed blue)",
            panels,
            ChartLayout.Report);
    }
}
