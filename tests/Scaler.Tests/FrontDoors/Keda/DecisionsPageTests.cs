using Scaler.FrontDoors.Keda;
using Xunit;

namespace Scaler.Tests.FrontDoors.Keda;

public sealed class DecisionsPageTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Render_NoDecisions_SaysSoAndLinksTheJson()
    {
        var html = DecisionsPage.Render([], Now);

        Assert.Contains("0 triggers", html, StringComparison.Ordinal);
        Assert.Contains("No decision yet", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"/decisions\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<table>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Decisions_OneRowEachSortedWithCountsAgeAndExplanation()
    {
        var html = DecisionsPage.Render(
        [
            View("zeta", "b", desired: 1, age: TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(5)),
            View("llm", "llama", desired: 3, age: TimeSpan.FromSeconds(4), explanation: "3 replicas: driven by pending-requests (12 / 5)"),
        ], Now);

        Assert.Contains("2 triggers", html, StringComparison.Ordinal);
        var llama = html.IndexOf("llm/llama", StringComparison.Ordinal);
        var zeta = html.IndexOf("zeta/b", StringComparison.Ordinal);
        Assert.InRange(llama, 0, zeta - 1);
        Assert.Contains("<a href=\"/decisions/llm/llama\">llm/llama</a>", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"n\">3</td><td class=\"n\">2 (1)</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"n\">4s</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"n\">2m5s</td>", html, StringComparison.Ordinal);
        Assert.Contains("driven by pending-requests (12 / 5)", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_CannotDecide_ShownInsteadOfACount()
    {
        var html = DecisionsPage.Render([View("llm", "llama", desired: 2, cannotDecide: true)], Now);

        Assert.Contains("cannot decide", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<td class=\"n\">2</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_MarkupInNamesAndExplanations_Encoded()
    {
        // Names reach the scaler from whoever calls the gRPC port; nothing of theirs is markup on the page.
        var html = DecisionsPage.Render([View("<script>", "a\"b", desired: 1, explanation: "<img src=x onerror=alert(1)>")], Now);

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;/a&quot;b", html, StringComparison.Ordinal);
        Assert.Contains("href=\"/decisions/%3Cscript%3E/a%22b\"", html, StringComparison.Ordinal);
    }

    private static DecisionView View(string ns, string name, int desired, TimeSpan? age = null, bool cannotDecide = false, string explanation = "held") =>
        new(ns, name, "scaler-" + name, Now - (age ?? TimeSpan.Zero), desired, 2, 1, "Active", cannotDecide, "pending-requests", [], explanation);
}
