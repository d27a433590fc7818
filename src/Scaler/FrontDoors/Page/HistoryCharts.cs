using System.Collections.Immutable;
using System.Globalization;
using Scaler.Charts;
using Scaler.Decisions;

namespace Scaler.FrontDoors.Page;

/// <summary>
/// The detail page's charts, drawn with <see cref="SvgChart"/> over the last hour (X in seconds before now):
/// the counts with "cannot decide" and inactive spans shaded, and each signal's value with the replicas it
/// asked for, unknown and stale spans shaded. Lines differ by dash as well as color.
/// </summary>
internal static class HistoryCharts
{
    private static readonly ChartLayout Layout = new(760, 130) { Left = 64, Right = 64 };

    public static string Replicas(TriggerSnapshot snapshot, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var samples = snapshot.Replicas;
        var top = Math.Max(2, samples.Length == 0 ? 0 : samples.Max(s => Math.Max(Math.Max((int)s.Desired, s.Current), s.Ready)));
        var axis = new ChartAxis(Math.Ceiling(top * 1.15), string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(top * 1.15):0} repl."));
        var bands = Bands(samples, now, s => s.CannotDecide, ChartPalette.UnknownFill, "cannot decide: a signal that takes part is unknown")
            .Concat(Bands(samples, now, s => !s.CannotDecide && s.Activity == Activity.Inactive, ChartPalette.InactiveFill, "inactive: no demand above activation"))
            .ToImmutableArray();
        var panel = new ChartPanel("Replicas", -TriggerHistory.Window.TotalSeconds, 0, axis,
        [
            new ChartSeries("desired", Points(samples, now, s => s.Desired), ChartPalette.Blue, SeriesShape.Step) { Width = 2.5 },
            new ChartSeries("current", Points(samples, now, s => s.Current), ChartPalette.Orange, SeriesShape.Step) { Width = 1.8, Dash = "7,3" },
            new ChartSeries("ready", Points(samples, now, s => s.Ready), ChartPalette.Green, SeriesShape.Step) { Width = 1.5, Dash = "2,2" },
        ])
        {
            Bands = bands,
            XStartLabel = "60 min ago",
            XEndLabel = "now",
            Legend = true,
        };
        return SvgChart.Render(null, [panel], Layout);
    }

    public static string Signal(SignalHistory signal, SignalSpec? spec, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var samples = signal.Samples;
        var values = samples.Where(s => s.Known && float.IsFinite(s.Value)).Select(s => (double)s.Value).DefaultIfEmpty(0).Max();
        var target = spec is { Kind: SignalKind.Average, Target: > 0 } ? spec.Target : (double?)null;
        var max = Nice(Math.Max(values, target ?? 0) * 1.15);
        var proposals = samples.Where(s => s.Proposal >= 0).Select(s => (int)s.Proposal).DefaultIfEmpty(0).Max();
        var replicaMax = Math.Max(2, Math.Ceiling(proposals * 1.15));
        var series = ImmutableArray.CreateBuilder<ChartSeries>();
        series.Add(new ChartSeries($"{signal.Name} value", [.. samples.Select(s => new ChartPoint(X(s.AtTicks, now), s.Known ? s.Value : double.NaN))], ChartPalette.Vermillion, SeriesShape.Line) { Width = 2 });
        series.Add(new ChartSeries("asks for (replicas, right axis)", Points(samples, now, s => s.Proposal >= 0 ? s.Proposal : double.NaN), ChartPalette.Blue, SeriesShape.Step) { RightAxis = true, Dash = "6,3", Width = 1.5 });
        if (target is { } t)
        {
            series.Add(new ChartSeries("target per replica", [new ChartPoint(-TriggerHistory.Window.TotalSeconds, t), new ChartPoint(0, t)], ChartPalette.Grey, SeriesShape.Line) { Dash = "2,3", Width = 1.2 });
        }

        var bands = Bands(samples, now, s => !s.Known, ChartPalette.UnknownFill, "unknown: the engine could not use it")
            .Concat(Bands(samples, now, s => s.Known && s.Status == SignalStatus.Stale, "#fbe8c8", "stale: the last good value, its source failing"))
            .ToImmutableArray();
        var panel = new ChartPanel($"{signal.Name} ({(signal.Role == SignalRole.Demand ? "demand" : "saturation")})", -TriggerHistory.Window.TotalSeconds, 0,
            new ChartAxis(max, PageText.Number(max), ChartPalette.Vermillion), series.ToImmutable())
        {
            Right = new ChartAxis(replicaMax, string.Create(CultureInfo.InvariantCulture, $"{replicaMax:0} repl."), ChartPalette.Blue),
            Bands = bands,
            XStartLabel = "60 min ago",
            XEndLabel = "now",
            Legend = true,
        };
        return SvgChart.Render(null, [panel], Layout);
    }

    /// <summary>Step points of one figure; the last value is drawn up to its sample interval's end (or now).</summary>
    public static ImmutableArray<ChartPoint> Points<T>(T[] samples, DateTimeOffset now, Func<T, double> value)
        where T : struct, ITimedSample
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(value);
        if (samples.Length == 0)
        {
            return [];
        }

        var points = ImmutableArray.CreateBuilder<ChartPoint>(samples.Length + 1);
        foreach (var sample in samples)
        {
            points.Add(new ChartPoint(X(sample.AtTicks, now), value(sample)));
        }

        var last = samples[^1];
        points.Add(new ChartPoint(Math.Min(0, X(last.AtTicks, now) + TriggerHistory.SampleInterval.TotalSeconds), value(last)));
        return points.MoveToImmutable();
    }

    private static IEnumerable<ChartBand> Bands<T>(T[] samples, DateTimeOffset now, Func<T, bool> inside, string fill, string label)
        where T : struct, ITimedSample
    {
        double? from = null;
        for (var i = 0; i < samples.Length; i++)
        {
            var x = X(samples[i].AtTicks, now);
            if (inside(samples[i]))
            {
                from ??= x;
            }
            else if (from is { } start)
            {
                yield return new ChartBand(start, x, fill, label);
                from = null;
            }
        }

        if (from is { } open)
        {
            yield return new ChartBand(open, Math.Min(0, X(samples[^1].AtTicks, now) + TriggerHistory.SampleInterval.TotalSeconds), fill, label);
        }
    }

    private static double X(long ticks, DateTimeOffset now) => (ticks - now.UtcTicks) / (double)TimeSpan.TicksPerSecond;

    // 1, 2 or 5 times a power of ten at or above the value, so axis labels read plainly.
    private static double Nice(double value)
    {
        if (!(value > 0))
        {
            return 1;
        }

        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1.0, 2, 5, 10 })
        {
            if (step * power >= value)
            {
                return step * power;
            }
        }

        return 10 * power;
    }
}
