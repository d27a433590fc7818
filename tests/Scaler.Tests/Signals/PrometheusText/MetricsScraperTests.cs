using Scaler.Signals.PrometheusText;

namespace Scaler.Tests.Signals.PrometheusText;

/// <summary>One scrape against a real loopback server: answers and every fault, as data.</summary>
public sealed class MetricsScraperTests : IAsyncLifetime, IDisposable
{
    // Generous for answers (the machine is shared); the hanging server is what tests the deadline.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly HttpClient _http = new(ScrapeHandler.Create());
    private LoopbackMetricsServer _server = null!;

    private MetricsScraper Scraper => new(_http, TimeProvider.System);

    public async Task InitializeAsync() => _server = await LoopbackMetricsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _http.Dispose();

    private static double SumOfA(ReadOnlySpan<byte> body)
    {
        double sum = 0;
        var reader = new PrometheusTextReader(body);
        while (reader.Read(out var sample))
        {
            if (sample.NameIs("a"u8))
            {
                sum += sample.Value;
            }
        }

        return sum;
    }

    [Fact]
    public async Task ScrapeAsync_ValidText_ParsesTheBody()
    {
        var url = _server.Text("/metrics", "# TYPE a gauge\na{x=\"1\"} 2\na{x=\"2\"} 3\nb 100\n");

        var result = await Scraper.ScrapeAsync(url, Timeout, 1024, SumOfA, CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Equal(5, result.Value);
    }

    [Fact]
    public async Task ScrapeAsync_LargeBody_IsReadWhole()
    {
        // 200 KiB: several reads and buffer growths.
        var lines = string.Concat(Enumerable.Range(0, 10_000).Select(i => $"a{{i=\"{i}\"}} 1\n"));
        var url = _server.Text("/metrics", lines);

        var result = await Scraper.ScrapeAsync(url, Timeout, 1024 * 1024, SumOfA, CancellationToken.None);

        Assert.Equal(10_000, result.Value);
    }

    [Theory]
    // a server error is transient: the read is retried
    [InlineData(500, true)]
    // unavailable while starting
    [InlineData(503, true)]
    // a wrong path or port serving something else is not
    [InlineData(404, false)]
    // an auth-protected endpoint is not
    [InlineData(401, false)]
    public async Task ScrapeAsync_HttpError_IsAFailureWithTheStatus(int status, bool transient)
    {
        var url = _server.Status("/metrics", status);

        var result = await Scraper.ScrapeAsync(url, Timeout, 1024, SumOfA, CancellationToken.None);

        Assert.Equal(ScrapeFailureKind.HttpStatus, result.Failure?.Kind);
        Assert.Equal($"HTTP {status}", result.Failure?.Reason);
        Assert.Equal(transient, result.Failure?.IsTransient);
    }

    [Fact]
    public async Task ScrapeAsync_Garbage_IsMalformedWithTheLine()
    {
        var url = _server.Text("/metrics", "a 1\n<html><body>Welcome</body></html>\n");

        var result = await Scraper.ScrapeAsync(url, Timeout, 1024, SumOfA, CancellationToken.None);

        Assert.Equal(ScrapeFailureKind.Malformed, result.Failure?.Kind);
        Assert.StartsWith("malformed metrics: line 2: ", result.Failure?.Reason, StringComparison.Ordinal);
        Assert.False(result.Failure?.IsTransient);
    }

    [Fact]
    public async Task ScrapeAsync_SlowerThanTheTimeout_IsATimeout()
    {
        var url = _server.Hang("/metrics");

        var result = await Scraper.ScrapeAsync(url, TimeSpan.FromMilliseconds(500), 1024, SumOfA, CancellationToken.None);

        Assert.Equal(ScrapeFailureKind.Timeout, result.Failure?.Kind);
        Assert.Equal("no answer within 500ms", result.Failure?.Reason);
        Assert.True(result.Failure?.IsTransient);
    }

    [Fact]
    public async Task ScrapeAsync_NothingListening_IsUnreachable()
    {
        var result = await Scraper.ScrapeAsync(LoopbackMetricsServer.Closed(), Timeout, 1024, SumOfA, CancellationToken.None);

        Assert.Equal(ScrapeFailureKind.Unreachable, result.Failure?.Kind);
        Assert.Equal("connection refused", result.Failure?.Reason);
        Assert.True(result.Failure?.IsTransient);
    }

    [Fact]
    public async Task ScrapeAsync_ConnectionResetMidBody_IsUnreachable()
    {
        var url = _server.Reset("/metrics");

        var result = await Scraper.ScrapeAsync(url, Timeout, 4096, SumOfA, CancellationToken.None);

        Assert.Equal(ScrapeFailureKind.Unreachable, result.Failure?.Kind);
        Assert.Equal("connection broken mid-answer", result.Failure?.Reason);
        Assert.True(result.Failure?.IsTransient);
    }

    [Fact]
    public async Task ScrapeAsync_BodyOverTheLimit_IsTooLarge()
    {
        var url = _server.Text("/metrics", new string('#', 5000) + "\na 1\n");

        var result = await Scraper.ScrapeAsync(url, Timeout, 4096, SumOfA, CancellationToken.None);

        Assert.Equal(ScrapeFailureKind.TooLarge, result.Failure?.Kind);
    }

    [Fact]
    public async Task ScrapeAsync_CallerCancels_Throws()
    {
        var url = _server.Hang("/metrics");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Scraper.ScrapeAsync(url, TimeSpan.FromSeconds(30), 1024, SumOfA, cancel.Token));
    }
}
