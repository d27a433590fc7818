using System.Xml.Linq;
using Scaler.Durations;
using Scaler.FrontDoors.Keda;
using Scaler.FrontDoors.Page;
using Scaler.Triggers;

namespace Scaler.Tests.FrontDoors.Page;

public sealed class WorkloadPageTests
{
    private static readonly DateTimeOffset T0 = PageDecisions.T0;

    [Fact]
    public void Render_Active_StateCountsAnswerChartsAndTimeline()
    {
        var (snapshot, now) = Run((0, 10.0), (60, 25.0), (120, 25.0));

        var html = WorkloadPage.Render(new ScaledObjectKey("llm", "llama"), [snapshot], now, TimeSpan.FromMinutes(15));

        Assert.Contains("<span class=\"state state-active\">active</span> desired <strong>5</strong>", html, StringComparison.Ordinal);
        Assert.Contains("metric value 5; IsActive true", html, StringComparison.Ordinal);
        Assert.Contains("<span class=\"status status-fresh\">fresh</span>", html, StringComparison.Ordinal);
        // One chart of the counts and one per signal, each standalone SVG.
        var charts = Charts(html);
        Assert.Equal(3, charts.Count);
        Assert.Equal(["desired", "current", "ready"], charts[0].Descendants().Where(e => e.Name.LocalName == "path").Select(Title));
        // The timeline: newest first, with the change and the explanation.
        Assert.Contains("<strong>desired 2 → 5</strong>", html, StringComparison.Ordinal);
        Assert.True(html.IndexOf("desired 2 → 5", StringComparison.Ordinal) < html.IndexOf("<strong>desired 2</strong>", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_SignalUnknown_StateUnknownWithReasonUnavailableAnswerAndShadedSpan()
    {
        var (snapshot, now) = Run((0, 10.0), (60, null), (120, null));

        var html = WorkloadPage.Render(new ScaledObjectKey("llm", "llama"), [snapshot], now, TimeSpan.FromMinutes(15));

        Assert.Contains("<span class=\"state state-cannot\">cannot decide</span>", html, StringComparison.Ordinal);
        Assert.Contains("UNAVAILABLE (cannot decide)", html, StringComparison.Ordinal);
        Assert.Contains("<span class=\"status status-unknown\">unknown</span>", html, StringComparison.Ordinal);
        Assert.Contains("prometheus: connection refused", html, StringComparison.Ordinal);
        Assert.Contains("holding: pending-requests unknown", html, StringComparison.Ordinal);
        var charts = Charts(html);
        // The counts shade "cannot decide" from the first unknown decision on; the signal's chart shades it unknown.
        var cannot = charts[0].Descendants().Single(e => e.Name.LocalName == "rect" && Title(e).StartsWith("cannot decide", StringComparison.Ordinal));
        Assert.True(double.Parse(cannot.Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Contains(charts[1].Descendants(), e => e.Name.LocalName == "rect" && Title(e).StartsWith("unknown", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_Inactive_IdleTierSaysWhatItKeepsAndWhenItGoesToMin()
    {
        var (snapshot, now) = Run((0, 10.0), (60, 0.0), (300, 0.0));

        var html = WorkloadPage.Render(new ScaledObjectKey("llm", "llama"), [snapshot], now, TimeSpan.FromMinutes(15));

        Assert.Contains("<span class=\"state state-inactive\">inactive</span>", html, StringComparison.Ordinal);
        // Inactive since 12:01:00; 15 minutes of it end at 12:16:00.
        Assert.Contains("inactive for 4m0s; the idle tier keeps 1 replica(s) warm until 12:16:00 (15m inactive), then minReplicas 0", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NoDecision_SaysSo()
    {
        var html = WorkloadPage.Render(new ScaledObjectKey("llm", "gone"), [], T0, TimeSpan.FromMinutes(7));

        Assert.Contains("No decision for this ScaledObject", html, StringComparison.Ordinal);
        Assert.Contains(DurationText.Format(TimeSpan.FromMinutes(7)), html, StringComparison.Ordinal);
    }

    private static (TriggerSnapshot Snapshot, DateTimeOffset Now) Run(params (int Seconds, double? Pending)[] steps)
    {
        var decisions = new PageDecisions();
        var trigger = PageDecisions.Trigger();
        var history = new TriggerHistory(TriggerId.Of(trigger));
        var current = 2;
        foreach (var (seconds, pending) in steps)
        {
            var made = decisions.Decide(trigger, T0.AddSeconds(seconds), pending, current, lastObserved: T0);
            history.Record(made);
            current = made.Decision.DesiredReplicas;
        }

        return (history.Snapshot()!, T0.AddSeconds(steps[^1].Seconds));
    }

    private static List<XElement> Charts(string html)
    {
        var charts = new List<XElement>();
        for (var start = html.IndexOf("<svg", StringComparison.Ordinal); start >= 0; start = html.IndexOf("<svg", start + 1, StringComparison.Ordinal))
        {
            var end = html.IndexOf("</svg>", start, StringComparison.Ordinal) + "</svg>".Length;
            charts.Add(XElement.Parse(html[start..end]));
        }

        return charts;
    }

    private static string Title(XElement element) =>
        element.Elements().FirstOrDefault(e => e.Name.LocalName == "title")?.Value ?? "";
}
