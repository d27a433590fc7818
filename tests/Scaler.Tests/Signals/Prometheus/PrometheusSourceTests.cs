using Microsoft.AspNetCore.Http;
using Scaler.Decisions;
using Scaler.Signals;
using Scaler.Signals.Prometheus;
using Scaler.Testing;

namespace Scaler.Tests.Signals.Prometheus;

/// <summary>A real Prometheus scraping a loopback target with known values (one server for the class).</summary>
public sealed class PrometheusServerFixture : IAsyncLifetime
{
    internal const string Exposition = """
        # TYPE test_single gauge
        test_single 42
        # TYPE test_queue_depth gauge
        test_queue_depth{queue="a"} 7
        test_queue_depth{queue="b"} 3

        """;

    internal LoopbackServer Target { get; private set; } = null!;

    internal PrometheusServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Target = await LoopbackServer.StartAsync();
        Target.Handler = ServeExposition;
        Server = await PrometheusServer.StartAsync(Target.HostPort);
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Target.DisposeAsync();
    }

    internal static Task ServeExposition(HttpContext context)
    {
        context.Response.ContentType = "text/plain; version=0.0.4";
        return context.Response.WriteAsync(Exposition);
    }
}

/// <summary>The instant-query semantics against a real Prometheus.</summary>
public class PrometheusSourceTests(PrometheusServerFixture fixture) : IClassFixture<PrometheusServerFixture>
{
    [Theory]
    // A scalar expression.
    [InlineData("scalar(test_single)", false, "Fresh", 42, null, null)]
    // vector(3): a one-element vector with no labels.
    [InlineData("vector(3)", false, "Fresh", 3, null, null)]
    // The scraped series itself: its known value.
    [InlineData("test_single", false, "Fresh", 42, null, null)]
    // Aggregated to one series: 7 + 3.
    [InlineData("sum(test_queue_depth)", false, "Fresh", 10, null, null)]
    // No such series: unknown, not 0.
    [InlineData("absent_series_name", false, "Unavailable", double.NaN, "empty", "no series")]
    // ... unless the trigger opts in.
    [InlineData("absent_series_name", true, "Fresh", 0, null, null)]
    // NaN (0/0): unavailable.
    [InlineData("0/0", false, "Unavailable", double.NaN, "nan", "returned NaN")]
    // The opt-in covers empty results only, never NaN.
    [InlineData("0/0", true, "Unavailable", double.NaN, "nan", "returned NaN")]
    // +Inf (1/0): unavailable.
    [InlineData("1/0", false, "Unavailable", double.NaN, "nan", "returned +Inf")]
    // -Inf: unavailable.
    [InlineData("-1/0", false, "Unavailable", double.NaN, "nan", "returned -Inf")]
    // Two series: ambiguous, an error naming the count.
    [InlineData("test_queue_depth", false, "Unavailable", double.NaN, "multiple_series", "error: query must return one series, got 2")]
    // A range vector is not an instant value.
    [InlineData("test_single[1m]", false, "Unavailable", double.NaN, "multiple_series", "got matrix")]
    // A bad query: HTTP 400 with Prometheus' own error text.
    [InlineData("sum(", false, "Unavailable", double.NaN, "http_4xx", "bad_data")]
    public async Task ReadAsync_RealPrometheus_Table(string promql, bool emptyAsZero, string status, double value, string? failure, string? says)
    {
        using var h = new PrometheusHarness();

        var reading = await h.ReadAsync(new PrometheusQuery(fixture.Server.Address, promql, treatEmptyAsZero: emptyAsZero));

        Assert.Equal((status, failure), (reading.Status.ToString(), reading.Failure?.Label()));
        Assert.Equal(value, reading.Value);
        if (says is not null)
        {
            Assert.Contains(says, reading.Reason, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(h.Time.GetUtcNow(), reading.ObservedAt);
        }
    }

    [Fact]
    public async Task GetAsync_ServerStoppedMidTest_FreshThenStaleThenUnavailable()
    {
        await using var target = await LoopbackServer.StartAsync();
        target.Handler = PrometheusServerFixture.ServeExposition;
        await using var server = await PrometheusServer.StartAsync(target.HostPort);
        using var h = new PrometheusHarness(o => o.MaxRetryAttempts = 0);
        var query = new PrometheusQuery(server.Address, "test_single");

        var fresh = await h.Cache.GetAsync(query, CancellationToken.None);
        await server.StopAsync();
        var direct = await Assert.ThrowsAsync<SignalSourceException>(async () => await h.ReadAsync(query));
        await h.AdvanceAndRefreshAsync(query, TimeSpan.FromSeconds(5));
        var stale = await h.Cache.GetAsync(query, CancellationToken.None);
        await h.AdvanceAndRefreshAsync(query, TimeSpan.FromSeconds(61));
        var unavailable = await h.Cache.GetAsync(query, CancellationToken.None);

        Assert.Equal((SignalStatus.Fresh, 42.0), (fresh.Status, fresh.Value));
        Assert.Equal(ReadFailure.Connection, direct.Failure);
        Assert.Equal((SignalStatus.Stale, 42.0, ReadFailure.Connection), (stale.Status, stale.Value, stale.Failure));
        Assert.Contains("unreachable", stale.Reason, StringComparison.Ordinal);
        Assert.Equal(SignalStatus.Unavailable, unavailable.Status);
        Assert.True(double.IsNaN(unavailable.Value));
    }
}
