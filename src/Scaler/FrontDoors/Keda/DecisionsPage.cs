using System.Globalization;
using System.Net;
using System.Text;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// The page on the HTTP port (<c>GET /</c>): every trigger's last decision with its explanation, for a person
/// with <c>kubectl port-forward</c>; <c>/decisions</c> serves the same as JSON. Every value is HTML-encoded:
/// names and metadata come from whoever calls the gRPC port.
/// </summary>
internal static class DecisionsPage
{
    public static string Render(IEnumerable<DecisionView> decisions, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var rows = decisions
            .OrderBy(d => d.Namespace, StringComparer.Ordinal)
            .ThenBy(d => d.Name, StringComparer.Ordinal)
            .ThenBy(d => d.MetricName, StringComparer.Ordinal)
            .ToList();
        var html = new StringBuilder(1024 + (rows.Count * 512));
        html.Append("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
            <title>Scaler decisions</title>
            <style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
            td.n{text-align:right}.warn{color:#a40}</style></head><body>
            <h1>Scaler decisions</h1>
            """);
        html.Append("<p>").Append(rows.Count.ToString(CultureInfo.InvariantCulture))
            .Append(rows.Count == 1 ? " trigger" : " triggers")
            .Append(", as of ").Append(Encode(now.ToString("u", CultureInfo.InvariantCulture)))
            .Append(". JSON: <a href=\"/decisions\">/decisions</a>; metrics: <a href=\"/metrics\">/metrics</a>.</p>\n");
        if (rows.Count == 0)
        {
            html.Append("<p>No decision yet: KEDA has not asked about any ScaledObject.</p>\n");
        }
        else
        {
            html.Append("<table><thead><tr><th>ScaledObject</th><th>Metric</th><th>Desired</th><th>Current (ready)</th><th>Activity</th><th>Driven by</th><th>Age</th><th>Explanation</th></tr></thead><tbody>\n");
            foreach (var d in rows)
            {
                var link = $"/decisions/{Uri.EscapeDataString(d.Namespace)}/{Uri.EscapeDataString(d.Name)}";
                html.Append("<tr><td><a href=\"").Append(Encode(link)).Append("\">")
                    .Append(Encode($"{d.Namespace}/{d.Name}")).Append("</a></td>")
                    .Append("<td>").Append(Encode(d.MetricName)).Append("</td>")
                    .Append(d.CannotDecide ? "<td class=\"n warn\">cannot decide</td>" : $"<td class=\"n\">{d.DesiredReplicas.ToString(CultureInfo.InvariantCulture)}</td>")
                    .Append("<td class=\"n\">").Append(d.CurrentReplicas.ToString(CultureInfo.InvariantCulture))
                    .Append(" (").Append(d.ReadyReplicas.ToString(CultureInfo.InvariantCulture)).Append(")</td>")
                    .Append("<td>").Append(Encode(d.Activity)).Append("</td>")
                    .Append("<td>").Append(Encode(d.DrivingSignal ?? "–")).Append("</td>")
                    .Append("<td class=\"n\">").Append(Encode(Age(now - d.At))).Append("</td>")
                    .Append("<td>").Append(Encode(d.Explanation)).Append("</td></tr>\n");
            }

            html.Append("</tbody></table>\n");
        }

        return html.Append("</body></html>\n").ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Age(TimeSpan age) => age switch
    {
        { TotalSeconds: < 0 } => "0s",
        { TotalMinutes: < 1 } => $"{(int)age.TotalSeconds}s",
        { TotalHours: < 1 } => $"{(int)age.TotalMinutes}m{age.Seconds}s",
        _ => $"{(int)age.TotalHours}h{age.Minutes}m",
    };
}
