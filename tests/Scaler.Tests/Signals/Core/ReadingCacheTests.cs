using Microsoft.Extensions.Logging.Testing;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Scaler.Decisions;
using Scaler.Signals;
using static Scaler.Tests.Signals.Core.CacheHarness;

namespace Scaler.Tests.Signals.Core;

/// <summary>The reading cache on virtual time: single-flight, cadence, aging, failures as data, eviction.</summary>
public class ReadingCacheTests
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task GetAsync_FirstAsk_ReturnsFirstReadFresh()
    {
        using var h = new CacheHarness();
        h.Source.Answer(h.Time, 42);

        var reading = await h.GetAsync("a");

        Assert.Equal(SignalStatus.Fresh, reading.Status);
        Assert.Equal(42, reading.Value);
        Assert.Equal(T0, reading.ObservedAt);
        Assert.Equal(1, h.Source.Reads);
    }

    [Fact]
    public async Task GetAsync_ThousandConcurrentCallers_OneUpstreamRead()
    {
        using var h = new CacheHarness();
        var release = new TaskCompletionSource<Reading>(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Source.WaitFor(release.Task);

        var callers = Enumerable.Range(0, 1000).Select(_ => Task.Run(async () => await h.GetAsync("a"))).ToArray();
        await h.Source.NextReadAsync();
        release.SetResult(Reading.Fresh(7, T0));
        var first = await Task.WhenAll(callers);
        var second = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => Task.Run(async () => await h.GetAsync("a"))));

        Assert.All(first.Concat(second), r => Assert.Equal((SignalStatus.Fresh, 7.0), (r.Status, r.Value)));
        Assert.Equal(1, h.Source.Reads);
    }

    [Fact]
    public async Task Refresh_EveryInterval_ExactlyOneReadPerInterval()
    {
        using var h = new CacheHarness();
        h.Source.AnswerReadCount(h.Time);
        await h.GetAsync("a");

        h.Time.Advance(Refresh - TimeSpan.FromMilliseconds(1));
        await h.AdvanceAndRefreshAsync("a", TimeSpan.FromMilliseconds(1));
        for (var i = 0; i < 4; i++)
        {
            await h.AdvanceAndRefreshAsync("a", Refresh);
        }

        var reading = await h.GetAsync("a");
        Assert.Equal(6, h.Source.Reads);
        Assert.Equal((SignalStatus.Fresh, 6.0, T0 + (5 * Refresh)), (reading.Status, reading.Value, reading.ObservedAt));
    }

    [Fact]
    public async Task GetAsync_SourceFailsThenRecovers_FreshStaleUnavailableFresh()
    {
        // The circuit stays closed here so every refresh reaches the source (the circuit has its own test).
        using var h = new CacheHarness(o => o.CircuitBreakerMinimumThroughput = 1000);
        h.Source.Answer(h.Time, 7);
        await h.GetAsync("a");

        h.Source.Throw(() => new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (10.0.0.1:9090)", new SocketException((int)SocketError.ConnectionRefused)));
        await h.AdvanceAndRefreshAsync("a", Refresh);
        var stale = await h.GetAsync("a");
        for (var i = 0; i < 11; i++)
        {
            await h.AdvanceAndRefreshAsync("a", Refresh);
        }

        var stillStale = await h.GetAsync("a"); // last good value 60 s old: at the limit, still served
        await h.AdvanceAndRefreshAsync("a", Refresh);
        var gone = await h.GetAsync("a");
        h.Source.Answer(h.Time, 9);
        await h.AdvanceAndRefreshAsync("a", Refresh);
        var back = await h.GetAsync("a");

        Assert.Equal((SignalStatus.Stale, 7.0, (DateTimeOffset?)T0, ReadFailure.Connection), (stale.Status, stale.Value, stale.ObservedAt, stale.Failure));
        Assert.Contains("last read failed", stale.Reason, StringComparison.Ordinal);
        Assert.Contains("Connection refused", stale.Reason, StringComparison.Ordinal);
        Assert.Equal((SignalStatus.Stale, 7.0), (stillStale.Status, stillStale.Value));
        Assert.Equal((SignalStatus.Unavailable, (DateTimeOffset?)T0), (gone.Status, gone.ObservedAt));
        Assert.True(double.IsNaN(gone.Value));
        Assert.Contains("no good value for 65 s", gone.Reason, StringComparison.Ordinal);
        Assert.Contains("Connection refused", gone.Reason, StringComparison.Ordinal);
        Assert.Equal((SignalStatus.Fresh, 9.0), (back.Status, back.Value));
        Assert.Contains(h.Logs.Lines(), l => l.Contains("[200]", StringComparison.Ordinal));
        Assert.Contains(h.Logs.Lines(), l => l.Contains("[201]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetAsync_ReadHangsPastStaleLimit_StaleWithoutAFailure()
    {
        using var h = new CacheHarness(o => (o.AttemptTimeout, o.TotalTimeout) = (TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10)));
        h.Source.Answer(h.Time, 7);
        await h.GetAsync("a");
        await h.Source.NextReadAsync();

        h.Source.Hang();
        h.Time.Advance(Refresh);
        await h.Source.NextReadAsync();
        var atLimit = await h.GetAsync("a");
        h.Time.Advance(TimeSpan.FromSeconds(11));
        var stale = await h.GetAsync("a");

        Assert.Equal(SignalStatus.Fresh, atLimit.Status);
        Assert.Equal((SignalStatus.Stale, 7.0, ReadFailure.Timeout), (stale.Status, stale.Value, stale.Failure));
        Assert.Contains("no read has completed for 16 s", stale.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_FirstReadSlowerThanBudget_UnavailableFirstReadInProgress()
    {
        using var h = new CacheHarness(o => (o.AttemptTimeout, o.TotalTimeout) = (TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)));
        var release = new TaskCompletionSource<Reading>(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Source.WaitFor(release.Task);

        var waiting = h.GetAsync("a").AsTask();
        await h.Source.NextReadAsync();
        var waitedBeforeBudget = waiting.IsCompleted;
        h.Time.Advance(TimeSpan.FromSeconds(2));
        var first = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        var later = h.GetAsync("a"); // the budget is spent: answers at once
        var laterCompletedAtOnce = later.IsCompleted;
        var refreshed = h.NextRefreshAsync("a");
        release.SetResult(Reading.Fresh(3, h.Time.GetUtcNow()));
        await refreshed;
        var answered = await h.GetAsync("a");

        Assert.False(waitedBeforeBudget);
        Assert.Equal((SignalStatus.Unavailable, "first read in progress"), (first.Status, first.Reason));
        Assert.True(laterCompletedAtOnce);
        Assert.Equal("first read in progress", (await later).Reason);
        Assert.Equal((SignalStatus.Fresh, 3.0), (answered.Status, answered.Value));
    }

    [Fact]
    public async Task GetAsync_CallerCancels_SharedReadContinuesForOthers()
    {
        using var h = new CacheHarness();
        var release = new TaskCompletionSource<Reading>(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Source.WaitFor(release.Task);
        using var impatient = new CancellationTokenSource();

        var cancelled = h.GetAsync("a", impatient.Token).AsTask();
        var patient = h.GetAsync("a").AsTask();
        var readToken = await h.Source.NextReadAsync();
        await impatient.CancelAsync();
        var gaveUp = await cancelled.WaitAsync(TimeSpan.FromSeconds(10));
        release.SetResult(Reading.Fresh(5, T0));
        var answered = await patient.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(SignalStatus.Unavailable, gaveUp.Status);
        Assert.Contains("gave up", gaveUp.Reason, StringComparison.Ordinal);
        Assert.False(readToken.IsCancellationRequested);
        Assert.Equal((SignalStatus.Fresh, 5.0), (answered.Status, answered.Value));
        Assert.Equal(1, h.Source.Reads);
    }

    public static TheoryData<int> ThrownFailures => [0, 1, 2, 3, 4];

    private static (Func<Exception> Throw, ReadFailure Failure, string Label, string Says) Thrown(int row) => row switch
    {
        // Connection refused: a transport failure.
        0 => (() => new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:1)"), ReadFailure.Connection, "connection", "Connection refused"),

        // HTTP 500 surfaced by HttpClient.
        1 => (() => new HttpRequestException("Response status code does not indicate success: 500", null, HttpStatusCode.InternalServerError), ReadFailure.ServerError, "http_5xx", "500"),

        // A source that classified its failure itself.
        2 => (() => new SignalSourceException(ReadFailure.ServerError, "Prometheus answered HTTP 503"), ReadFailure.ServerError, "http_5xx", "HTTP 503"),

        // A bug in a source: still data, never an escaped exception.
        3 => (() => new InvalidOperationException("boom"), ReadFailure.Other, "other", "boom"),

        // A transport message carrying credentials in a URL: scrubbed.
        _ => (() => new HttpRequestException("GET http://admin:hunter2@prom:9090/api failed"), ReadFailure.Connection, "connection", "http://***@prom:9090"),
    };

    [Theory]
    [MemberData(nameof(ThrownFailures))]
    public async Task GetAsync_SourceThrows_UnavailableWithReason(int row)
    {
        var (@throw, failure, label, says) = Thrown(row);
        using var h = new CacheHarness();
        h.Source.Throw(@throw);

        var reading = await h.GetAsync("a");
        var metrics = await h.ScrapeAsync();

        Assert.Equal((SignalStatus.Unavailable, failure), (reading.Status, reading.Failure));
        Assert.True(double.IsNaN(reading.Value));
        Assert.Contains(says, reading.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", reading.Reason, StringComparison.Ordinal);
        Assert.Contains($"scaler_signal_read_errors_total{{source=\"fake\",reason=\"{label}\"}} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_AttemptTimesOut_UnavailableTimedOut()
    {
        using var h = new CacheHarness();
        h.Source.Hang();

        var pending = h.GetAsync("a").AsTask();
        var readToken = await h.Source.NextReadAsync();
        h.Time.Advance(TimeSpan.FromSeconds(1));
        var reading = await pending.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(readToken.IsCancellationRequested);
        Assert.Equal((SignalStatus.Unavailable, ReadFailure.Timeout, "timed out after 1 s"), (reading.Status, reading.Failure, reading.Reason));
        Assert.Contains("scaler_signal_read_errors_total{source=\"fake\",reason=\"timeout\"} 1", await h.ScrapeAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_TransientFailure_RetriedWithinOneRefresh()
    {
        using var h = new CacheHarness(o => (o.MaxRetryAttempts, o.RetryBaseDelay, o.RetryMaxDelay) = (2, TimeSpan.Zero, TimeSpan.Zero));
        h.Source.Behaviour = (_, _) => h.Source.Reads == 1
            ? throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection reset by peer")
            : ValueTask.FromResult(Reading.Fresh(4, h.Time.GetUtcNow()));

        var reading = await h.GetAsync("a");

        Assert.Equal((SignalStatus.Fresh, 4.0), (reading.Status, reading.Value));
        Assert.Equal(2, h.Source.Reads);
    }

    [Fact]
    public async Task GetAsync_UpstreamKeepsFailing_CircuitOpensThenRecovers()
    {
        using var h = new CacheHarness(o =>
        {
            o.CircuitBreakerMinimumThroughput = 2;
            o.CircuitBreakerFailureRatio = 1.0;
        });
        h.Source.Throw(() => new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"));
        await h.GetAsync("a");
        await h.AdvanceAndRefreshAsync("a", Refresh);

        await h.AdvanceAndRefreshAsync("a", Refresh);
        var open = await h.GetAsync("a");
        var openMetrics = await h.ScrapeAsync();
        var readsWhileOpen = h.Source.Reads;
        h.Source.Answer(h.Time, 9);

        // The probe (every second) gets through; the key is read at once, not at its next 5 s tick.
        var refreshed = h.NextRefreshAsync("a");
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await refreshed;
        var back = await h.GetAsync("a");

        Assert.Equal((SignalStatus.Unavailable, ReadFailure.CircuitOpen), (open.Status, open.Failure));
        Assert.StartsWith("upstream fake-upstream unreachable: circuit open after 2 failed reads (Connection refused); probing every 1 s", open.Reason, StringComparison.Ordinal);
        Assert.Equal(2, readsWhileOpen);
        Assert.Contains("scaler_signal_circuit_state{source=\"fake\",upstream=\"fake-upstream\"} 2", openMetrics, StringComparison.Ordinal);
        Assert.Contains("scaler_signal_read_errors_total{source=\"fake\",reason=\"circuit_open\"} 1", openMetrics, StringComparison.Ordinal);
        Assert.Equal((SignalStatus.Fresh, 9.0), (back.Status, back.Value));
        Assert.True(h.Source.Probes >= 1);
        Assert.Contains("scaler_signal_circuit_state{source=\"fake\",upstream=\"fake-upstream\"} 0", await h.ScrapeAsync(), StringComparison.Ordinal);
        Assert.Contains(h.Logs.Lines(), l => l.Contains("[202]", StringComparison.Ordinal) && l.Contains("after 2 reads found it unreachable", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refresh_KeyNotAskedForIdleTimeout_StopsAndIsEvicted()
    {
        using var h = new CacheHarness(o => o.IdleTimeout = TimeSpan.FromSeconds(30));
        h.Source.Answer(h.Time, 1);
        await h.GetAsync("idle");
        await h.GetAsync("busy");
        var evicted = h.EvictionAsync("idle");

        for (var i = 0; i < 8; i++)
        {
            await h.AdvanceAndRefreshAsync("busy", Refresh);
            await h.GetAsync("busy");
        }

        await evicted;
        var readsAfterEviction = h.Source.Reads;
        await h.AdvanceAndRefreshAsync("busy", Refresh);
        await h.AdvanceAndRefreshAsync("busy", Refresh);
        var metrics = await h.ScrapeAsync();

        Assert.Equal(1, h.Cache.Count);
        Assert.Equal(readsAfterEviction + 2, h.Source.Reads);
        Assert.DoesNotContain("key=\"fake|idle\"", metrics, StringComparison.Ordinal);
        Assert.Contains("scaler_signal_reading_age_seconds{source=\"fake\",key=\"fake|busy\"} 0", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refresh_ThousandKeysGoIdle_AllEvictedWithTheirMetrics()
    {
        using var h = new CacheHarness(o => o.IdleTimeout = TimeSpan.FromSeconds(30));
        h.Source.Answer(h.Time, 1);
        var evictions = 0;
        var allEvicted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Cache.Evicted += _ =>
        {
            if (Interlocked.Increment(ref evictions) == 1000)
            {
                allEvicted.TrySetResult();
            }
        };

        foreach (var i in Enumerable.Range(0, 1000))
        {
            await h.GetAsync($"k{i}");
        }

        var countWhileAsked = h.Cache.Count;
        for (var i = 0; i < 8; i++)
        {
            h.Time.Advance(Refresh);
        }

        await allEvicted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1000, countWhileAsked);
        Assert.Equal(0, h.Cache.Count);
        Assert.DoesNotContain("scaler_signal_reading_age_seconds{", await h.ScrapeAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_MoreKeysThanLimit_NeverHoldsMoreThanLimit()
    {
        using var h = new CacheHarness(maxKeys: 20);
        h.Source.Answer(h.Time, 1);
        var most = 0;
        var refused = 0;

        foreach (var i in Enumerable.Range(0, 200))
        {
            var reading = await h.GetAsync($"k{i}");
            refused += reading.Reason?.Contains("signal cache full", StringComparison.Ordinal) == true ? 1 : 0;
            most = Math.Max(most, h.Cache.Count);
        }

        Assert.InRange(most, 1, 20);
        Assert.InRange(refused, 0, 199);
    }

    [Fact]
    public async Task GetAsync_NoSourceRegistered_Unavailable()
    {
        using var h = new CacheHarness();

        var reading = await h.Cache.GetAsync(new OrphanQuery(), CancellationToken.None);

        Assert.Equal(SignalStatus.Unavailable, reading.Status);
        Assert.Contains("no signal source is registered for OrphanQuery", reading.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_AfterReads_CountDurationAndAge()
    {
        using var h = new CacheHarness();
        h.Source.Answer(h.Time, 3);
        await h.GetAsync("a");
        await h.AdvanceAndRefreshAsync("a", Refresh);
        h.Time.Advance(TimeSpan.FromSeconds(2));

        var metrics = await h.ScrapeAsync();

        Assert.Contains("scaler_signal_reads_total{source=\"fake\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("scaler_signal_read_duration_seconds_count{source=\"fake\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("scaler_signal_reading_age_seconds{source=\"fake\",key=\"fake|a\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("scaler_signal_circuit_state{source=\"fake\",upstream=\"fake-upstream\"} 0", metrics, StringComparison.Ordinal);
    }

    private sealed record OrphanQuery : SignalQuery
    {
        public override string Source => "orphan";

        public override string Key => "orphan|1";
    }
}
