using Scaler.Decisions;
using Scaler.Signals;
using Scaler.Testing;
using Xunit;

namespace Scaler.Tests.Signals.Core;

/// <summary>
/// Circuits per upstream endpoint: only an upstream out of reach opens its circuit, one upstream's circuit never
/// holds another's reads, the probe is never the failing key, and a probe that gets through reads the keys at once.
/// </summary>
public class SignalCircuitTests
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);

    private static Exception Refused() => new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:1)");

    private static CacheHarness OpensAfterTwo() => new(o => (o.CircuitBreakerMinimumThroughput, o.CircuitBreakerFailureRatio) = (2, 1.0));

    [Fact]
    public async Task Circuit_OneUpstreamUnreachable_AnotherUpstreamAndANewKeyOnItStillRead()
    {
        using var h = OpensAfterTwo();
        h.Source.Behaviour = (q, _) => q.UpstreamName == "dead-broker" ? throw Refused() : ValueTask.FromResult(Reading.Fresh(7, h.Time.GetUtcNow()));
        var dead1 = new FakeQuery("d1", "dead-broker");
        var dead2 = new FakeQuery("d2", "dead-broker");
        var healthy = new FakeQuery("h", "healthy-broker");
        await h.Cache.GetAsync(dead1, default);
        await h.Cache.GetAsync(dead2, default);
        await h.Cache.GetAsync(healthy, default);

        // A minute of refreshes: the dead broker's circuit opens, the healthy one's never does.
        for (var i = 0; i < 12; i++)
        {
            Task[] refreshed = [h.NextRefreshAsync("d1"), h.NextRefreshAsync("d2"), h.NextRefreshAsync("h")];
            h.Time.Advance(Refresh);
            await Task.WhenAll(refreshed);
        }

        var newOnHealthy = await h.Cache.GetAsync(new FakeQuery("new", "healthy-broker"), default);
        var readsBefore = h.Source.Reads;
        var newOnOther = await h.Cache.GetAsync(new FakeQuery("other", "third-broker"), default);
        var metrics = await h.ScrapeAsync();

        Assert.Equal(ReadFailure.CircuitOpen, (await h.Cache.GetAsync(dead1, default)).Failure);
        Assert.Equal(SignalStatus.Fresh, (await h.Cache.GetAsync(healthy, default)).Status);
        Assert.Equal(SignalStatus.Fresh, newOnHealthy.Status);

        // A key on a host never seen before is tried, not refused by another host's circuit.
        Assert.Equal(SignalStatus.Fresh, newOnOther.Status);
        Assert.Equal(readsBefore + 1, h.Source.Reads);
        Assert.Contains("scaler_signal_circuit_state{source=\"fake\",upstream=\"dead-broker\"} 2", metrics, StringComparison.Ordinal);
        Assert.Contains("scaler_signal_circuit_state{source=\"fake\",upstream=\"healthy-broker\"} 0", metrics, StringComparison.Ordinal);
    }

    public static TheoryData<string, Func<Exception>> QueryFailures => new()
    {
        // The server answered 5xx for this query (Prometheus' 503 "query timed out").
        { "http 503", () => new SignalSourceException(ReadFailure.ServerError, "Prometheus answered HTTP 503: timeout: query timed out") },
        // The query's own attempt was too slow.
        { "timeout", () => new TimeoutException("the query took too long") },
        // The server broke off this answer.
        { "reset mid-answer", () => new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely") },
    };

    [Theory]
    [MemberData(nameof(QueryFailures))]
    public async Task Circuit_OneQueryFailsOnItsOwn_ServerCircuitStaysClosedForTheOthers(string what, Func<Exception> failure)
    {
        _ = what;
        using var h = OpensAfterTwo();
        h.Source.Behaviour = (q, _) => q.Name == "failing" ? throw failure() : ValueTask.FromResult(Reading.Fresh(3, h.Time.GetUtcNow()));
        var failing = new FakeQuery("failing", "prometheus:9090");
        var others = Enumerable.Range(0, 4).Select(i => new FakeQuery("team-b-" + i, "prometheus:9090")).ToList();
        await h.Cache.GetAsync(failing, default);
        using var watch = h.Cache.Watch(failing);
        foreach (var other in others)
        {
            await h.Cache.GetAsync(other, default);
        }

        // Two minutes of refreshes with a push stream on the failing query.
        for (var i = 0; i < 24; i++)
        {
            await h.AdvanceAndRefreshAsync("team-b-0", Refresh);
            foreach (var other in others)
            {
                await h.Cache.GetAsync(other, default);
            }
        }

        var failingReading = await h.Cache.GetAsync(failing, default);
        Assert.NotEqual(ReadFailure.CircuitOpen, failingReading.Failure);
        Assert.Equal(SignalStatus.Unavailable, failingReading.Status);
        foreach (var other in others)
        {
            Assert.Equal(SignalStatus.Fresh, (await h.Cache.GetAsync(other, default)).Status);
        }

        Assert.Contains("scaler_signal_circuit_state{source=\"fake\",upstream=\"prometheus:9090\"} 0", await h.ScrapeAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Circuit_Open_ProbesWithTheLastQueryThatSucceeded()
    {
        using var h = new CacheHarness(o => (o.CircuitBreakerMinimumThroughput, o.CircuitBreakerFailureRatio, o.CircuitBreakerSamplingDuration) = (2, 1.0, TimeSpan.FromSeconds(10)));
        var down = false;
        h.Source.Behaviour = (q, _) => down || q.Name == "bad" ? throw Refused() : ValueTask.FromResult(Reading.Fresh(1, h.Time.GetUtcNow()));
        var bad = new FakeQuery("bad", "broker");
        var good = new FakeQuery("good", "broker");
        await h.Cache.GetAsync(bad, default);
        await h.Cache.GetAsync(good, default);
        down = true;
        for (var i = 0; i < 3; i++)
        {
            await h.AdvanceAndRefreshAsync("good", Refresh);
        }

        Assert.Equal(ReadFailure.CircuitOpen, (await h.Cache.GetAsync(good, default)).Failure);
        down = false;
        var back = await Eventually.ReturnsAsync(
            async () =>
            {
                h.Time.Advance(TimeSpan.FromSeconds(1));
                return await h.Cache.GetAsync(good, default);
            },
            r => r.Status == SignalStatus.Fresh,
            interval: TimeSpan.FromMilliseconds(50));

        // The probe was the query known to reach the broker, never the one failing on its own.
        Assert.NotEmpty(h.Source.ProbedQueries);
        Assert.All(h.Source.ProbedQueries, q => Assert.Equal("good", q));
        Assert.Equal(SignalStatus.Fresh, back.Status);
    }

    [Fact]
    public async Task Circuit_ProbeStillRefused_StaysOpenAndKeysAreNotRead()
    {
        using var h = OpensAfterTwo();
        h.Source.Throw(Refused);
        await h.GetAsync("a");
        await h.AdvanceAndRefreshAsync("a", Refresh);
        var reads = h.Source.Reads;

        for (var i = 0; i < 10; i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(1));
            var probes = i + 1;
            await Eventually.HoldsAsync(() => h.Source.Probes >= probes);
        }

        Assert.Equal(reads, h.Source.Reads);
        Assert.Equal(ReadFailure.CircuitOpen, (await h.GetAsync("a")).Failure);
    }

    [Fact]
    public async Task Circuit_LastKeyOfAnUpstreamEvicted_CircuitAndItsSeriesGo()
    {
        using var h = new CacheHarness(o => o.IdleTimeout = TimeSpan.FromSeconds(10));
        h.Source.Answer(h.Time, 1);
        await h.Cache.GetAsync(new FakeQuery("a", "host-1"), default);
        var evicted = h.EvictionAsync("a");
        h.Time.Advance(Refresh);
        h.Time.Advance(Refresh);
        h.Time.Advance(Refresh);
        await evicted;
        var pipelines = (SignalPipelines)typeof(ReadingCache).GetField("_pipelines", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(h.Cache)!;

        Assert.Equal(0, pipelines.Count);
        Assert.DoesNotContain("upstream=\"host-1\"", await h.ScrapeAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retry_AttemptTimedOut_NotRetried()
    {
        using var h = new CacheHarness(o => (o.MaxRetryAttempts, o.RetryBaseDelay, o.RetryMaxDelay, o.AttemptTimeout, o.FirstReadWait) = (2, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromMilliseconds(100), TimeSpan.Zero));
        h.Source.Hang();
        await h.GetAsync("a");
        await h.Source.NextReadAsync();
        var refreshed = h.NextRefreshAsync("a");
        h.Time.Advance(TimeSpan.FromMilliseconds(100));
        await refreshed;

        // A slow query asked again is slow again: one attempt, then the next refresh.
        Assert.Equal(1, h.Source.Reads);
        Assert.Equal(ReadFailure.Timeout, (await h.GetAsync("a")).Failure);
    }

    [Fact]
    public void LabelValues_LongValue_BoundedAndDistinct()
    {
        var a = LabelValues.Bounded(new string('a', 1 << 20));
        var b = LabelValues.Bounded(new string('a', (1 << 20) - 1) + "b");

        Assert.Equal(LabelValues.MaxLength, a.Length);
        Assert.NotEqual(a, b);
        Assert.Equal("short", LabelValues.Bounded("short"));
    }
}
