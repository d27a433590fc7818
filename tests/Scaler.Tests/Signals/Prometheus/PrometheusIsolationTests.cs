using Microsoft.AspNetCore.Http;
using Scaler.Decisions;
using Scaler.Signals;
using Scaler.Signals.Prometheus;
using Scaler.Testing;
using Xunit;

namespace Scaler.Tests.Signals.Prometheus;

/// <summary>
/// One team's failing query never makes another team's readings unknown: against a real Prometheus whose query
/// timeout a heavy query exceeds (HTTP 503, errorType timeout), next to healthy queries on the same server.
/// </summary>
public class PrometheusIsolationTests
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);

    // A quarter of a million subquery steps, summed: Prometheus gives up at its 10 ms query timeout (503, errorType timeout).
    private const string SlowQuery = "sum(count_over_time(vector(1)[3d:1s]))";

    [Fact]
    public async Task GetAsync_OneQueryTimesOutUnderAPushStream_OtherQueriesStayFreshAndTheServerCircuitClosed()
    {
        await using var target = await LoopbackServer.StartAsync();
        target.Handler = PrometheusServerFixture.ServeExposition;
        await using var prometheus = await PrometheusServer.StartAsync([target.HostPort], ["--query.timeout=10ms"]);

        // The circuit would open after two failures, as the report's did after five. On virtual time a retry's
        // back-off would wait for the clock: one attempt per read (the circuit counts reads, not attempts).
        using var h = new PrometheusHarness(o => (o.CircuitBreakerMinimumThroughput, o.CircuitBreakerFailureRatio, o.MaxRetryAttempts) = (2, 0.5, 0));
        var failing = new PrometheusQuery(prometheus.Address, SlowQuery);
        string[] teamB = ["test_single", "test_single + 0", "sum(test_queue_depth)", "max(test_queue_depth)"];
        var healthy = teamB.Select(q => new PrometheusQuery(prometheus.Address, q)).ToList();
        await h.Cache.GetAsync(failing, default);
        using var stream = h.Cache.Watch(failing);
        foreach (var query in healthy)
        {
            Assert.Equal(SignalStatus.Fresh, (await h.Cache.GetAsync(query, default)).Status);
        }

        // Ninety seconds: in the report four healthy triggers went UNAVAILABLE after 60 s.
        for (var i = 0; i < 18; i++)
        {
            Task[] refreshed = [.. healthy.Append(failing).Select(q => NextRefreshAsync(h, q))];
            h.Time.Advance(Refresh);
            await Task.WhenAll(refreshed);
        }

        var failed = await h.Cache.GetAsync(failing, default);
        var metrics = await h.ScrapeAsync();

        Assert.Equal((SignalStatus.Unavailable, ReadFailure.ServerError), (failed.Status, failed.Failure));
        Assert.Contains("timeout", failed.Reason, StringComparison.Ordinal);
        foreach (var query in healthy)
        {
            Assert.Equal(SignalStatus.Fresh, (await h.Cache.GetAsync(query, default)).Status);
        }

        Assert.Contains($"scaler_signal_circuit_state{{source=\"prometheus\",upstream=\"{prometheus.Address.GetLeftPart(UriPartial.Authority)}\"}} 0", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_ServerRedirectsToAnotherHost_UnavailableAndNotFollowed()
    {
        await using var target = await LoopbackServer.StartAsync();
        target.Handler = PrometheusServerFixture.ServeExposition;
        await using var prometheus = await PrometheusServer.StartAsync(target.HostPort);
        await using var redirecting = await LoopbackServer.StartAsync();
        redirecting.Handler = context =>
        {
            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = new Uri(prometheus.Address, "/api/v1/query" + context.Request.QueryString).ToString();
            return Task.CompletedTask;
        };
        using var h = new PrometheusHarness();

        var reading = await h.ReadAsync(new PrometheusQuery(redirecting.Address, "test_single"));

        Assert.Equal((SignalStatus.Unavailable, ReadFailure.Rejected), (reading.Status, reading.Failure));
        Assert.Contains("answered HTTP 302 (a redirect); redirects are not followed", reading.Reason, StringComparison.Ordinal);
        Assert.Equal(1, redirecting.Requests);
    }

    private static Task NextRefreshAsync(PrometheusHarness h, PrometheusQuery query)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(string key)
        {
            if (key == query.Key)
            {
                h.Cache.Refreshed -= Handler;
                done.TrySetResult();
            }
        }

        h.Cache.Refreshed += Handler;
        return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
