using System.Globalization;
using System.Xml.Linq;
using Scaler.Charts;

namespace Scaler.Tests.Charts;

public sealed class SvgChartTests
{
    private static readonly ChartLayout Layout = new(400, 100) { Left = 50, Right = 50 };

    [Fact]
    public void Render_UnknownValues_LeaveGapsNeverZero()
    {
        var svg = Render(new ChartSeries("value", [new(0, 1), new(10, 2), new(20, double.NaN), new(30, 2), new(40, 1)], "#000", SeriesShape.Line));

        var path = Paths(svg).Single().Attribute("d")!.Value;
        // Two separate runs: a new "M" after the gap, no point drawn at the axis for the unknown one.
        Assert.Equal(2, path.Count(c => c == 'M'));
        Assert.DoesNotContain(",100 ", path + " ", StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Step_HoldsEachValueUntilTheNextPoint()
    {
        var svg = Render(new ChartSeries("replicas", [new(0, 1), new(50, 3)], "#000", SeriesShape.Step));

        // The plot spans x 50..350 and y 22..122: x 0 -> 50, 50 -> 200; y 1 of 4 -> 97, 3 of 4 -> 47.
        Assert.Equal("M50,97 H200 V47", Paths(svg).Single().Attribute("d")!.Value);
    }

    [Fact]
    public void Render_BandsAndPointsOutsideTheRange_ClippedOrLeftOut()
    {
        var panel = new ChartPanel("t", 0, 100, new ChartAxis(4, "4"), [new ChartSeries("s", [new(-50, 1), new(50, 1), new(150, 1)], "#000", SeriesShape.Line)])
        {
            Bands = [new ChartBand(-20, 30, "#eee", "unknown: down"), new ChartBand(120, 130, "#eee", "never shown")],
        };

        var svg = XElement.Parse(SvgChart.Render(null, [panel], Layout));

        var band = svg.Descendants().Single(e => e.Name.LocalName == "rect" && e.Elements().Any(t => t.Value == "unknown: down"));
        Assert.Equal(("50", "90"), (band.Attribute("x")!.Value, band.Attribute("width")!.Value));
        Assert.Equal("M200,97", Paths(svg.ToString()).Single().Attribute("d")!.Value);
    }

    [Fact]
    public void Render_MarkupInTitlesAndLabels_Encoded()
    {
        var panel = new ChartPanel("<script>alert(1)</script>", 0, 1, new ChartAxis(1, "<b>"), [new ChartSeries("\"><img>", [new(0, 1)], "#000", SeriesShape.Line)]) { Legend = true };

        var text = SvgChart.Render("a & b", [panel], Layout);

        Assert.DoesNotContain("<script>", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<img>", text, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", text, StringComparison.Ordinal);
        Assert.Equal("a & b", XElement.Parse(text).Attribute("aria-label")!.Value);
    }

    [Fact]
    public void Render_Legend_NamesEachSeriesWithItsDash()
    {
        var panel = new ChartPanel("t", 0, 1, new ChartAxis(1, "1"),
        [
            new ChartSeries("desired", [new(0, 1)], ChartPalette.Blue, SeriesShape.Step),
            new ChartSeries("current", [new(0, 1)], ChartPalette.Orange, SeriesShape.Step) { Dash = "7,3" },
        ])
        { Legend = true };

        var svg = XElement.Parse(SvgChart.Render(null, [panel], Layout));

        var samples = svg.Descendants().Where(e => e.Name.LocalName == "line").ToList();
        Assert.Equal([ChartPalette.Blue, ChartPalette.Orange], samples.Select(l => l.Attribute("stroke")!.Value));
        Assert.Equal([null, "7,3"], samples.Select(l => l.Attribute("stroke-dasharray")?.Value));
        Assert.Equal(["desired", "current"], svg.Descendants().Where(e => e.Name.LocalName == "text").Select(t => t.Value).Where(v => v is "desired" or "current"));
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{22 + 100 + 34 + 18 + 10}"), svg.Attribute("height")!.Value);
    }

    private static string Render(ChartSeries series) =>
        SvgChart.Render(null, [new ChartPanel("t", 0, 100, new ChartAxis(4, "4"), [series])], Layout);

    private static List<XElement> Paths(string svg) =>
        [.. XElement.Parse(svg).Descendants().Where(e => e.Name.LocalName == "path")];
}
