using System.Globalization;
using System.Text.RegularExpressions;
using Scaler.FrontDoors.Keda;
using Scaler.FrontDoors.Page;

namespace Scaler.Tests.FrontDoors.Page;

public sealed partial class TriggerListPageTests
{
    private static readonly DateTimeOffset T0 = PageDecisions.T0;

    [Fact]
    public void Render_NoDecisions_SaysSoWithoutATable()
    {
        var html = TriggerListPage.Render([], TriggerListQuery.From(null, null, null), T0);

        Assert.Contains("0 triggers", html, StringComparison.Ordinal);
        Assert.Contains("No decision yet", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<table", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ThousandTriggers_CountsAllShowsOnePageOfAHundredInNameOrder()
    {
        var triggers = Many(1000);

        var first = TriggerListPage.Render(triggers, TriggerListQuery.From(null, null, null), T0);
        var last = TriggerListPage.Render(triggers, TriggerListQuery.From(null, null, "10"), T0);

        Assert.Contains("1,000 triggers", first, StringComparison.Ordinal);
        Assert.Contains("page 1 of 10", first, StringComparison.Ordinal);
        var names = Rows(first);
        Assert.Equal(TriggerListQuery.PageSize, names.Count);
        Assert.Equal("team-000/model-0000", names[0]);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal("team-099/model-0999", Rows(last)[^1]);
        // A link to every page, the current one not a link.
        Assert.Contains("<a href=\"/?page=10\">10</a>", first, StringComparison.Ordinal);
        Assert.Contains("<span aria-current=\"page\">1</span>", first, StringComparison.Ordinal);
    }

    [Theory]
    // By namespace.
    [InlineData("team-007", 10)]
    // By name, case-insensitive.
    [InlineData("MODEL-0042", 1)]
    // By namespace/name together.
    [InlineData("team-003/model-0031", 1)]
    // By metric name.
    [InlineData("scaler-team-005", 10)]
    // Nothing.
    [InlineData("no-such-thing", 0)]
    public void Render_Search_ShowsTheMatchingOnly(string search, int matching)
    {
        var html = TriggerListPage.Render(Many(1000), TriggerListQuery.From(search, null, null), T0);

        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{matching} matching"), html, StringComparison.Ordinal);
        Assert.Equal(matching, Rows(html).Count);
    }

    [Fact]
    public void Render_SortByDesired_HighestFirstThenByName()
    {
        var html = TriggerListPage.Render(Many(30), TriggerListQuery.From(null, "desired", null), T0);

        var desired = DesiredColumn().Matches(html).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(desired.OrderDescending(), desired);
        Assert.Contains("aria-sort=\"descending\">Desired", html, StringComparison.Ordinal);
        // The other orders keep the search and sort in their links.
        Assert.Contains("href=\"/?sort=state\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_SortByState_CannotDecideFirst()
    {
        var decisions = new PageDecisions();
        var fine = new TriggerHistory(TriggerId.Of(PageDecisions.Trigger("a", "fine")));
        fine.Record(decisions.Decide(PageDecisions.Trigger("a", "fine"), T0, pending: 10, current: 2));
        var blind = new TriggerHistory(TriggerId.Of(PageDecisions.Trigger("z", "blind")));
        blind.Record(decisions.Decide(PageDecisions.Trigger("z", "blind"), T0, pending: null, current: 2));

        var html = TriggerListPage.Render([fine, blind], TriggerListQuery.From(null, "state", null), T0);

        Assert.Equal(["z/blind", "a/fine"], Rows(html));
        Assert.Contains("<span class=\"state state-cannot\">cannot decide</span>", html, StringComparison.Ordinal);
    }

    [Theory]
    // Unknown sort and page numbers fall back to the defaults instead of failing the page.
    [InlineData("drop table", "-1", "name", 1)]
    [InlineData("desired", "x", "desired", 1)]
    [InlineData("updated", "3", "updated", 3)]
    public void From_QueryString_UnknownValuesFallBack(string sort, string page, string expectedSort, int expectedPage)
    {
        var query = TriggerListQuery.From("  llm  ", sort, page);

        Assert.Equal(("llm", expectedSort, expectedPage), (query.Search, query.Sort, query.Page));
    }

    private static List<TriggerHistory> Many(int count)
    {
        var decisions = new PageDecisions();
        var histories = new List<TriggerHistory>(count);
        for (var i = count - 1; i >= 0; i--)
        {
            var trigger = PageDecisions.Trigger($"team-{i / 10:000}", $"model-{i:0000}", $"scaler-team-{i / 10:000}-model-{i:0000}");
            var history = new TriggerHistory(TriggerId.Of(trigger));
            history.Record(decisions.Decide(trigger, T0.AddSeconds(-i), pending: 5 * (i % 9), current: 1 + (i % 3)));
            histories.Add(history);
        }

        return histories;
    }

    private static List<string> Rows(string html) => [.. RowName().Matches(html).Select(m => m.Groups[1].Value)];

    [GeneratedRegex("<tr><td><a href=\"/workload\\?[^\"]*\">([^<]*)</a>")]
    private static partial Regex RowName();

    [GeneratedRegex("</span></td><td class=\"n\">(\\d+)</td>")]
    private static partial Regex DesiredColumn();
}
