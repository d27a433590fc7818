using System.Globalization;
using System.Net;
using System.Text;

namespace Scaler.Charts;

/// <summary>
/// The one server-rendered chart of the product: panels of line, step and area series over shaded bands,
/// as standalone SVG. The simulator's report and the decisions page both draw with it. Every text is
/// HTML-encoded (names reach the page from whoever calls the gRPC port), numbers are invariant, and nothing
/// is fetched: no script, font or stylesheet.
/// </summary>
internal static class SvgChart
{
    private const int LegendHeight = 18;

    /// <summary>A chart of <paramref name="panels"/> stacked top to bottom under an optional <paramref name="heading"/>.</summary>
    public static string Render(string? heading, IReadOnlyList<ChartPanel> panels, ChartLayout layout)
    {
        ArgumentNullException.ThrowIfNull(panels);
        ArgumentNullException.ThrowIfNull(layout);
        var c = CultureInfo.InvariantCulture;
        var top = layout.Top ?? (heading is null ? 22 : 36);
        var height = top + panels.Sum(p => layout.PanelHeight + layout.Gap + (p.Legend ? LegendHeight : 0)) + layout.Bottom;
        var svg = new StringBuilder(4096);
        var label = heading ?? string.Join("; ", panels.Select(p => p.Title));
        svg.AppendLine(c, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{layout.Width}" height="{height}" viewBox="0 0 {layout.Width} {height}" font-family="sans-serif" font-size="11" role="img" aria-label="{Encode(label)}">""");
        svg.AppendLine(c, $"""<rect width="{layout.Width}" height="{height}" fill="white"/>""");
        if (heading is not null)
        {
            svg.AppendLine(c, $"""<text x="{layout.Left}" y="20" font-size="14">{Encode(heading)}</text>""");
        }

        foreach (var panel in panels)
        {
            WritePanel(svg, panel, layout, top);
            top += layout.PanelHeight + layout.Gap + (panel.Legend ? LegendHeight : 0);
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static void WritePanel(StringBuilder svg, ChartPanel panel, ChartLayout layout, int top)
    {
        var c = CultureInfo.InvariantCulture;
        var bottom = top + layout.PanelHeight;
        var span = panel.XTo > panel.XFrom ? panel.XTo - panel.XFrom : 1;
        var plot = new Plot(layout.Left, bottom, layout.PlotWidth, layout.PanelHeight, panel.XFrom, span);

        if (panel.Title.Length > 0)
        {
            svg.AppendLine(c, $"""<text x="{layout.Left}" y="{top - 6}" font-size="12">{Encode(panel.Title)}</text>""");
        }

        svg.AppendLine(c, $"""<rect x="{layout.Left}" y="{top}" width="{layout.PlotWidth}" height="{layout.PanelHeight}" fill="none" stroke="#999"/>""");
        foreach (var band in panel.Bands)
        {
            var from = Math.Max(band.From, panel.XFrom);
            var to = Math.Min(band.To, panel.XTo);
            if (to <= from)
            {
                continue;
            }

            svg.AppendLine(c, $"""<rect x="{plot.X(from):0.#}" y="{top}" width="{plot.X(to) - plot.X(from):0.#}" height="{layout.PanelHeight}" fill="{Encode(band.Fill)}"><title>{Encode(band.Label)}</title></rect>""");
        }

        foreach (var series in panel.Series)
        {
            var axis = series.RightAxis ? panel.Right ?? panel.Left : panel.Left;
            var path = series.Shape switch
            {
                SeriesShape.Area => AreaPath(series, plot, axis, panel),
                SeriesShape.Step => SeriesPath(series, plot, axis, panel, step: true),
                _ => SeriesPath(series, plot, axis, panel, step: false),
            };
            if (path.Length == 0)
            {
                continue;
            }

            svg.Append(c, $"""<path d="{path}" """);
            svg.Append(series.Shape == SeriesShape.Area
                ? $"""fill="{Encode(series.Color)}" stroke="none" """
                : string.Create(c, $"""fill="none" stroke="{Encode(series.Color)}" stroke-width="{series.Width:0.##}" """));
            if (series.Dash is { } dash)
            {
                svg.Append(c, $"""stroke-dasharray="{Encode(dash)}" """);
            }

            svg.Length--;
            svg.AppendLine(c, $"><title>{Encode(series.Label)}</title></path>");
        }

        WriteAxisLabels(svg, panel.Left, layout.Left - 6, top, bottom, "end");
        if (panel.Right is { } right)
        {
            WriteAxisLabels(svg, right, layout.Width - layout.Right + 6, top, bottom, null);
        }

        if (panel.XStartLabel is { } start)
        {
            svg.AppendLine(c, $"""<text x="{layout.Left}" y="{bottom + 14}">{Encode(start)}</text>""");
        }

        if (panel.XEndLabel is { } end)
        {
            svg.AppendLine(c, $"""<text x="{layout.Width - layout.Right}" y="{bottom + 14}" text-anchor="end">{Encode(end)}</text>""");
        }

        if (panel.Legend)
        {
            WriteLegend(svg, panel, layout.Left, bottom + 30);
        }
    }

    private static void WriteAxisLabels(StringBuilder svg, ChartAxis axis, int x, int top, int bottom, string? anchor)
    {
        var c = CultureInfo.InvariantCulture;
        var anchorAttribute = anchor is null ? "" : $" text-anchor=\"{anchor}\"";
        if (axis.TopLabel.Length > 0)
        {
            svg.AppendLine(c, $"""<text x="{x}" y="{top + 10}"{anchorAttribute}{Fill(axis.Color)}>{Encode(axis.TopLabel)}</text>""");
        }

        if (axis.BottomLabel.Length > 0)
        {
            svg.AppendLine(c, $"""<text x="{x}" y="{bottom}"{anchorAttribute}{Fill(axis.Color)}>{Encode(axis.BottomLabel)}</text>""");
        }
    }

    // Each entry: a short sample of the line (its color and dash) or a swatch, then the label.
    private static void WriteLegend(StringBuilder svg, ChartPanel panel, int left, int y)
    {
        var c = CultureInfo.InvariantCulture;
        var x = (double)left;
        foreach (var series in panel.Series)
        {
            if (series.Shape == SeriesShape.Area)
            {
                svg.AppendLine(c, $"""<rect x="{x:0.#}" y="{y - 8}" width="18" height="9" fill="{Encode(series.Color)}"/>""");
            }
            else
            {
                svg.Append(c, $"""<line x1="{x:0.#}" y1="{y - 4}" x2="{x + 18:0.#}" y2="{y - 4}" stroke="{Encode(series.Color)}" stroke-width="{Math.Max(2, series.Width):0.##}" """);
                svg.AppendLine(series.Dash is { } dash ? $"""stroke-dasharray="{Encode(dash)}"/>""" : "/>");
            }

            svg.AppendLine(c, $"""<text x="{x + 22:0.#}" y="{y}">{Encode(series.Label)}</text>""");
            x += 30 + (series.Label.Length * 6.2);
        }

        foreach (var band in panel.Bands.DistinctBy(b => b.Fill))
        {
            var name = LegendName(band.Label);
            svg.AppendLine(c, $"""<rect x="{x:0.#}" y="{y - 8}" width="18" height="9" fill="{Encode(band.Fill)}" stroke="#999"/>""");
            svg.AppendLine(c, $"""<text x="{x + 22:0.#}" y="{y}">{Encode(name)}</text>""");
            x += 30 + (name.Length * 6.2);
        }
    }

    // A band's tooltip may carry a reason after a colon; the legend names only what the shade is.
    private static string LegendName(string label) => label.IndexOf(':', StringComparison.Ordinal) is var colon and > 0 ? label[..colon] : label;

    private static string AreaPath(ChartSeries series, Plot plot, ChartAxis axis, ChartPanel panel)
    {
        var c = CultureInfo.InvariantCulture;
        var path = new StringBuilder();
        double? runStart = null;
        var lastX = 0.0;
        foreach (var point in Visible(series, panel))
        {
            if (double.IsNaN(point.Y))
            {
                Close();
                continue;
            }

            if (runStart is null)
            {
                runStart = point.X;
                path.Append(c, $"{(path.Length > 0 ? " " : "")}M{plot.X(point.X):0.#},{plot.Bottom}");
            }

            path.Append(c, $" L{plot.X(point.X):0.#},{plot.Y(point.Y, axis):0.#}");
            lastX = point.X;
        }

        Close();
        return path.ToString();

        void Close()
        {
            if (runStart is not null)
            {
                path.Append(c, $" L{plot.X(lastX):0.#},{plot.Bottom} Z");
                runStart = null;
            }
        }
    }

    /// <summary>The series as one path, broken where a value is unknown (NaN); a step holds each value until the next.</summary>
    private static string SeriesPath(ChartSeries series, Plot plot, ChartAxis axis, ChartPanel panel, bool step)
    {
        var c = CultureInfo.InvariantCulture;
        var path = new StringBuilder();
        var drawing = false;
        foreach (var point in Visible(series, panel))
        {
            if (double.IsNaN(point.Y))
            {
                drawing = false;
                continue;
            }

            if (!drawing)
            {
                path.Append(c, $"{(path.Length > 0 ? " " : "")}M{plot.X(point.X):0.#},{plot.Y(point.Y, axis):0.#}");
            }
            else if (step)
            {
                path.Append(c, $" H{plot.X(point.X):0.#} V{plot.Y(point.Y, axis):0.#}");
            }
            else
            {
                path.Append(c, $" L{plot.X(point.X):0.#},{plot.Y(point.Y, axis):0.#}");
            }

            drawing = true;
        }

        return path.ToString();
    }

    private static IEnumerable<ChartPoint> Visible(ChartSeries series, ChartPanel panel) =>
        series.Points.IsDefaultOrEmpty ? [] : series.Points.Where(p => p.X >= panel.XFrom - 1e-9 && p.X <= panel.XTo + 1e-9 && !double.IsInfinity(p.Y));

    private static string Fill(string? color) => color is null ? "" : $" fill=\"{Encode(color)}\"";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    /// <summary>Maps data to plot coordinates; values above an axis' maximum are drawn at the top.</summary>
    private readonly record struct Plot(int Left, int Bottom, int Width, int Height, double XFrom, double Span)
    {
        public double X(double x) => Left + ((x - XFrom) / Span * Width);

        public double Y(double y, ChartAxis axis) => Bottom - (Math.Clamp(y / (axis.Max > 0 ? axis.Max : 1), 0, 1) * Height);
    }
}
