using System.Globalization;
using System.Text;
using Scaler.Charts;
using Scaler.Decisions;

namespace Scaler.FrontDoors.Page;

/// <summary>
/// The page at <c>/</c>: every trigger with its state, counts, driver and the last hour of its counts,
/// searchable and sortable, <see cref="TriggerListQuery.PageSize"/> a page.
/// </summary>
internal static class TriggerListPage
{
    private static readonly ChartLayout Spark = new(140, 22) { Left = 1, Right = 1, Top = 1, Gap = 0, Bottom = 1 };

    public static string Render(IEnumerable<TriggerHistory> triggers, TriggerListQuery query, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(triggers);
        ArgumentNullException.ThrowIfNull(query);
        var all = triggers.Select(t => (History: t, Last: t.Last!)).Where(t => t.Last is not null).ToList();
        var matching = all.Where(t => Matches(t.History, query.Search)).ToList();
        var ordered = Order(matching, query.Sort).ToList();
        var pages = Math.Max(1, (ordered.Count + TriggerListQuery.PageSize - 1) / TriggerListQuery.PageSize);
        var page = Math.Min(query.Page, pages);
        var shown = ordered.Skip((page - 1) * TriggerListQuery.PageSize).Take(TriggerListQuery.PageSize).ToList();

        var search = new StringBuilder();
        search.Append("<form class=\"search\" method=\"get\" action=\"/\" role=\"search\"><label>Search <input type=\"search\" name=\"q\" value=\"")
            .Append(PageText.Encode(query.Search)).Append("\" placeholder=\"namespace, name or metric\"></label>");
        if (query.Sort != "name")
        {
            search.Append("<input type=\"hidden\" name=\"sort\" value=\"").Append(PageText.Encode(query.Sort)).Append("\">");
        }

        search.Append(" <button type=\"submit\">Search</button></form>\n");
        var html = PageShell.Open("Scaler: workloads", now, search.ToString());
        html.Append("<h1>Workloads</h1>\n<p id=\"summary\">").Append(Triggers(all.Count));
        if (query.Search.Length > 0)
        {
            html.Append(", ").Append(PageText.Count(matching.Count)).Append(" matching “").Append(PageText.Encode(query.Search)).Append('”');
        }

        if (pages > 1)
        {
            html.Append(CultureInfo.InvariantCulture, $"; page {page} of {pages}");
        }

        html.Append(".</p>\n");
        if (all.Count == 0)
        {
            html.Append("<p>No decision yet: KEDA has not asked about any ScaledObject.</p>\n");
            return PageShell.Close(html);
        }

        if (shown.Count == 0)
        {
            html.Append("<p>No trigger matches.</p>\n");
            return PageShell.Close(html);
        }

        html.Append("<table class=\"triggers\"><thead><tr>")
            .Append(Header(query, "name", "ScaledObject / metric"))
            .Append(Header(query, "state", "State"))
            .Append(Header(query, "desired", "Desired"))
            .Append(Header(query, "current", "Current (ready)"))
            .Append("<th>Driven by</th>")
            .Append(Header(query, "updated", "Decided"))
            .Append("<th>Last hour: desired (blue), current (dashed orange)</th><th>Explanation</th></tr></thead><tbody>\n");
        foreach (var (history, last) in shown)
        {
            Row(html, history, last.Decision, now);
        }

        html.Append("</tbody></table>\n");
        if (pages > 1)
        {
            html.Append("<nav class=\"pages\" aria-label=\"pages\">");
            for (var p = 1; p <= pages; p++)
            {
                html.Append(p == page
                    ? string.Create(CultureInfo.InvariantCulture, $"<span aria-current=\"page\">{p}</span>")
                    : $"<a href=\"{PageText.Encode(query.Link(page: p))}\">{p.ToString(CultureInfo.InvariantCulture)}</a>");
            }

            html.Append("</nav>\n");
        }

        return PageShell.Close(html);
    }

    private static void Row(StringBuilder html, TriggerHistory history, Decision decision, DateTimeOffset now)
    {
        var (state, css) = PageText.State(decision);
        var id = history.Id;
        html.Append("<tr><td><a href=\"").Append(PageText.Encode(PageText.WorkloadLink(id))).Append("\">")
            .Append(PageText.Encode($"{id.ScaledObject.Namespace}/{id.ScaledObject.Name}")).Append("</a><div class=\"metric\">")
            .Append(PageText.Encode(id.MetricName)).Append("</div></td>")
            .Append("<td><span class=\"state ").Append(css).Append("\">").Append(state).Append("</span></td>")
            .Append("<td class=\"n\">").Append(PageText.Count(decision.DesiredReplicas)).Append("</td>")
            .Append("<td class=\"n\">").Append(PageText.Count(decision.Explanation.Current)).Append(" (").Append(PageText.Count(decision.Explanation.Ready)).Append(")</td>")
            .Append("<td>").Append(PageText.Encode(decision.Explanation.DrivingSignal ?? "–")).Append("</td>")
            .Append("<td class=\"n\">").Append(PageText.Encode(PageText.Age(now - decision.At))).Append(" ago</td>")
            .Append("<td class=\"spark\">").Append(Sparkline(history.ReplicaSamples(), now)).Append("</td>")
            .Append("<td class=\"explanation\">").Append(PageText.Encode(decision.Reason)).Append("</td></tr>\n");
    }

    // One point a minute is plenty at this size, and keeps a page of 100 rows small.
    private static string Sparkline(ReplicaSample[] all, DateTimeOffset now)
    {
        var samples = all.Where((_, i) => i % 4 == (all.Length - 1) % 4).ToArray();
        var max = Math.Max(2, samples.Length == 0 ? 0 : samples.Max(s => Math.Max((int)s.Desired, s.Current)));
        var panel = new ChartPanel("", -TriggerHistory.Window.TotalSeconds, 0, new ChartAxis(max * 1.1, "") { BottomLabel = "" },
        [
            new ChartSeries("desired", HistoryCharts.Points(samples, now, s => s.Desired), ChartPalette.Blue, SeriesShape.Step) { Width = 1.5 },
            new ChartSeries("current", HistoryCharts.Points(samples, now, s => s.Current), ChartPalette.Orange, SeriesShape.Step) { Width = 1.2, Dash = "3,2" },
        ]);
        return SvgChart.Render(null, [panel], Spark);
    }

    private static string Header(TriggerListQuery query, string sort, string label) => query.Sort == sort
        ? $"<th aria-sort=\"{(sort == "name" ? "ascending" : "descending")}\">{PageText.Encode(label)} ▾</th>"
        : $"<th><a href=\"{PageText.Encode(query.Link(sort: sort))}\">{PageText.Encode(label)}</a></th>";

    private static string Triggers(int count) => count == 1 ? "1 trigger" : count.ToString("#,0", CultureInfo.InvariantCulture) + " triggers";

    private static bool Matches(TriggerHistory history, string search) =>
        search.Length == 0
        || history.Id.ScaledObject.Namespace.Contains(search, StringComparison.OrdinalIgnoreCase)
        || history.Id.ScaledObject.Name.Contains(search, StringComparison.OrdinalIgnoreCase)
        || $"{history.Id.ScaledObject.Namespace}/{history.Id.ScaledObject.Name}".Contains(search, StringComparison.OrdinalIgnoreCase)
        || history.Id.MetricName.Contains(search, StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<(TriggerHistory History, Keda.DecisionMade Last)> Order(List<(TriggerHistory History, Keda.DecisionMade Last)> rows, string sort)
    {
        var byName = rows.OrderBy(r => r.History.Id.ScaledObject.Namespace, StringComparer.Ordinal)
            .ThenBy(r => r.History.Id.ScaledObject.Name, StringComparer.Ordinal)
            .ThenBy(r => r.History.Id.MetricName, StringComparer.Ordinal);
        return sort switch
        {
            // What needs a person first: cannot decide, fallback, unknown, then active and inactive.
            "state" => rows.OrderBy(r => Severity(r.Last.Decision)).ThenBy(r => r.History.Id.ScaledObject.Namespace, StringComparer.Ordinal)
                .ThenBy(r => r.History.Id.ScaledObject.Name, StringComparer.Ordinal).ThenBy(r => r.History.Id.MetricName, StringComparer.Ordinal),
            "desired" => byName.OrderByDescending(r => r.Last.Decision.DesiredReplicas),
            "current" => byName.OrderByDescending(r => r.Last.Decision.Explanation.Current),
            "updated" => byName.OrderByDescending(r => r.Last.Decision.At),
            _ => byName,
        };
    }

    private static int Severity(Decision decision) => decision switch
    {
        { CannotDecide: true } => 0,
        { InFallback: true } => 1,
        { Activity: Activity.Unknown } => 2,
        { Activity: Activity.Active } => 3,
        _ => 4,
    };
}
