using System.Globalization;
using System.Net;
using System.Text;

namespace Scaler.Simulation;

/// <summary>
/// An SVG chart: one panel per policy, load (requests/s) as a grey area, replicas as a step line, and the
/// clairvoyant schedule's replicas as a dashed reference line.
/// </summary>
internal static class SvgChart
{
    private const int Width = 960;
    private const int PanelHeight = 170;
    private const int Left = 56;
    private const int Right = 56;
    private const int Top = 36;
    private const int Gap = 34;

    public static string Render(Trace trace, IReadOnlyList<PolicyResult> results, int maxReplicas, PolicyResult? reference = null)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(results);
        var c = CultureInfo.InvariantCulture;
        var height = Top + (results.Count * (PanelHeight + Gap)) + 10;
        var end = Math.Max(1, results.Max(r => r.Series.IsDefaultOrEmpty ? 0 : r.Series[^1].AtSeconds));
        var maxLoad = Math.Max(1, results.Max(r => r.Series.IsDefaultOrEmpty ? 0 : r.Series.Max(p => p.ArrivalsPerSecond)));
        var plotWidth = Width - Left - Right;
        var svg = new StringBuilder();
        svg.AppendLine(c, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{height}" viewBox="0 0 {Width} {height}" font-family="sans-serif" font-size="11">""");
        svg.AppendLine(c, $"""<rect width="{Width}" height="{height}" fill="white"/>""");
        svg.AppendLine(c, $"""<text x="{Left}" y="20" font-size="14">{Escape(trace.Name)}: load (grey, requests/s, left axis), replicas (red line, right axis), clairvoyant replicas (dashed blue)</text>""");
        for (var i = 0; i < results.Count; i++)
        {
            var result = results[i];
            var top = Top + (i * (PanelHeight + Gap));
            var bottom = top + PanelHeight;
            double X(double seconds) => Left + (seconds / end * plotWidth);
            double LoadY(double load) => bottom - (load / maxLoad * PanelHeight);
            double ReplicaY(double replicas) => bottom - (replicas / maxReplicas * PanelHeight);

            svg.AppendLine(c, $"""<text x="{Left}" y="{top - 6}" font-size="12">{Escape(result.Name)}: {result.GpuHours:0.00} GPU-hours, {result.SloViolations} of {result.Requests} requests over the SLO, p99 wait {(double.IsFinite(result.P99WaitSeconds) ? result.P99WaitSeconds.ToString("0.0", c) + " s" : "never")}</text>""");
            svg.AppendLine(c, $"""<rect x="{Left}" y="{top}" width="{plotWidth}" height="{PanelHeight}" fill="none" stroke="#999"/>""");
            if (!result.Series.IsDefaultOrEmpty)
            {
                var area = new StringBuilder();
                area.Append(c, $"M{X(result.Series[0].AtSeconds):0.#},{bottom}");
                foreach (var point in result.Series)
                {
                    area.Append(c, $" L{X(point.AtSeconds):0.#},{LoadY(point.ArrivalsPerSecond):0.#}");
                }

                area.Append(c, $" L{X(result.Series[^1].AtSeconds):0.#},{bottom} Z");
                svg.AppendLine(c, $"""<path d="{area}" fill="#ccc" stroke="none"/>""");

                var line = new StringBuilder();
                line.Append(c, $"M{X(result.Series[0].AtSeconds):0.#},{ReplicaY(result.Series[0].Replicas):0.#}");
                for (var p = 1; p < result.Series.Length; p++)
                {
                    line.Append(c, $" H{X(result.Series[p].AtSeconds):0.#} V{ReplicaY(result.Series[p].Replicas):0.#}");
                }

                svg.AppendLine(c, $"""<path d="{line}" fill="none" stroke="#c0392b" stroke-width="1.5"/>""");
            }

            if (reference is not null && !reference.Series.IsDefaultOrEmpty)
            {
                var dashed = new StringBuilder();
                dashed.Append(c, $"M{X(reference.Series[0].AtSeconds):0.#},{ReplicaY(reference.Series[0].Replicas):0.#}");
                for (var p = 1; p < reference.Series.Length && reference.Series[p].AtSeconds <= end; p++)
                {
                    dashed.Append(c, $" H{X(reference.Series[p].AtSeconds):0.#} V{ReplicaY(reference.Series[p].Replicas):0.#}");
                }

                svg.AppendLine(c, $"""<path d="{dashed}" fill="none" stroke="#2e6fb7" stroke-width="1.2" stroke-dasharray="5,3"/>""");
            }

            svg.AppendLine(c, $"""<text x="{Left - 6}" y="{top + 10}" text-anchor="end">{maxLoad:0}/s</text>""");
            svg.AppendLine(c, $"""<text x="{Left - 6}" y="{bottom}" text-anchor="end">0</text>""");
            svg.AppendLine(c, $"""<text x="{Width - Right + 6}" y="{top + 10}" fill="#c0392b">{maxReplicas} repl.</text>""");
            svg.AppendLine(c, $"""<text x="{Width - Right + 6}" y="{bottom}" fill="#c0392b">0</text>""");
            svg.AppendLine(c, $"""<text x="{Width - Right}" y="{bottom + 14}" text-anchor="end">{end / 60:0} min</text>""");
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
