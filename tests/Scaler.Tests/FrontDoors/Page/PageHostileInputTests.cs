using System.Net;
using System.Text.RegularExpressions;
using Grpc.Core;
using Scaler.FrontDoors.Keda.Protocol;
using Scaler.Tests.FrontDoors.Keda;

namespace Scaler.Tests.FrontDoors.Page;

/// <summary>
/// The page served by the product's host, after the KEDA door decided for ScaledObjects whose metadata and signal
/// failure reasons are markup (names that are markup are refused at the door: Kubernetes' own limits), and for
/// a page asked about names that are markup: nothing of theirs becomes a tag or an attribute, and the page's own
/// Content-Security-Policy lets no inline script run anyway.
/// </summary>
public sealed partial class PageHostileInputTests : IAsyncLifetime, IDisposable
{
    private const string Script = "<script>alert(\"owned\")</script>";
    private const string Image = "\"><img src=x onerror=alert(1)>";

    private static readonly HashSet<string> OwnTags = new(StringComparer.Ordinal)
    {
        "html", "head", "meta", "title", "link", "script", "noscript", "body", "header", "a", "span", "main", "form", "label", "input", "button",
        "h1", "h2", "h3", "p", "table", "thead", "tbody", "tr", "th", "td", "div", "figure", "svg", "rect", "text", "path", "line", "section",
        "dl", "dt", "dd", "strong", "em", "ol", "li", "time", "nav",
    };

    private KedaScalerHost _host = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync() => _host = await KedaScalerHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Pages_HostileNamesMetadataAndReasons_NothingOfTheirsIsMarkup()
    {
        _host.Prometheus.Set(12);
        var known = Hostile("team-a", "llama");
        await _host.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = known });
        _host.Prometheus.SetUnavailable($"upstream said {Script} and {Image}");
        var blind = Hostile("team-b", "blind");
        await Assert.ThrowsAsync<RpcException>(() => _host.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = blind }).ResponseAsync);
        var refused = await Assert.ThrowsAsync<RpcException>(() => _host.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = Hostile(Image, Script) }).ResponseAsync);

        var list = await GetAsync("/");
        var search = await GetAsync("/?q=" + Uri.EscapeDataString(Script));
        var knownPage = await GetAsync($"/workload?namespace={Uri.EscapeDataString(known.Namespace)}&name={Uri.EscapeDataString(known.Name)}");
        var blindPage = await GetAsync($"/workload?namespace={Uri.EscapeDataString(blind.Namespace)}&name={Uri.EscapeDataString(blind.Name)}");
        var hostilePage = await GetAsync($"/workload?namespace={Uri.EscapeDataString(Image)}&name={Uri.EscapeDataString(Script)}");

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        foreach (var html in new[] { list, search, knownPage, blindPage, hostilePage })
        {
            AssertOnlyOwnMarkup(html);
        }

        Assert.Contains(WebUtility.HtmlEncode($"{known.Namespace}/{known.Name}"), list, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode($"{blind.Namespace}/{blind.Name}"), list, StringComparison.Ordinal);
        // The list links to each page through the query string, and the link leads to it.
        Assert.Contains(WebUtility.HtmlEncode($"/workload?namespace={Uri.EscapeDataString(known.Namespace)}&name={Uri.EscapeDataString(known.Name)}"), list, StringComparison.Ordinal);
        Assert.Contains("desired <strong>3</strong>", knownPage, StringComparison.Ordinal);
        // The failure's reason is shown, as text.
        Assert.Contains(WebUtility.HtmlEncode(Script), blindPage, StringComparison.Ordinal);
        Assert.Contains("cannot decide", blindPage, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode($"{Image}/{Script}"), hostilePage, StringComparison.Ordinal);
        Assert.Contains("No decision for this ScaledObject", hostilePage, StringComparison.Ordinal);
        Assert.Contains($"matching “{WebUtility.HtmlEncode(Script)}”", search, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/workload?namespace=llm&name=none")]
    [InlineData("/page.js")]
    public async Task Responses_CarryAPolicyThatRunsOnlyThePagesOwnScript(string path)
    {
        using var response = await _http.GetAsync(new Uri(_host.HttpAddress, path));

        Assert.Equal(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Workload_WithoutNamespaceOrName_BadRequestSayingTheForm()
    {
        using var response = await _http.GetAsync(new Uri(_host.HttpAddress, "/workload?name=llama"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("/workload?namespace=llm&name=llama", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static ScaledObjectRef Hostile(string ns, string name)
    {
        // Each its own query (its own reading), with markup in it too.
        var reference = KedaScalerHost.ScaledObject("x", query: $"sum(vllm:num_requests_waiting{{model_name=\"{Script}\",pod=\"{Uri.EscapeDataString(name)}\"}})");
        reference.Namespace = ns;
        reference.Name = name;
        return reference;
    }

    private async Task<string> GetAsync(string path)
    {
        using var response = await _http.GetAsync(new Uri(_host.HttpAddress, path));
        return await response.Content.ReadAsStringAsync();
    }

    private static void AssertOnlyOwnMarkup(string html)
    {
        foreach (Match tag in Tag().Matches(html))
        {
            Assert.Contains(tag.Groups[1].Value, OwnTags);
            foreach (Match attribute in Attribute().Matches(tag.Groups[2].Value))
            {
                Assert.False(attribute.Groups[1].Value.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"event handler attribute in {tag.Value}");
            }
        }

        // The one script is the page's own file.
        Assert.Equal(1, Regex.Count(html, "<script", RegexOptions.IgnoreCase));
        Assert.Contains("<script src=\"/page.js\" defer></script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex("<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>")]
    private static partial Regex Tag();

    [GeneratedRegex("\\s([^\\s=/>\"']+)\\s*=")]
    private static partial Regex Attribute();
}
