using System.Collections.Concurrent;
using System.Net.Http;
using Scaler.Decisions;
using Scaler.Signals;
using static Scaler.Tests.Signals.Core.CacheHarness;

namespace Scaler.Tests.Signals.Core;

/// <summary>Watched keys (push streams) on virtual time: the push interval, change notices, the way back, and the refresh jitter.</summary>
public class ReadingCacheWatchTests
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Push = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task Watch_KeyWatched_RefreshesAtPushIntervalWhileOthersKeepTheirs()
    {
        using var h = new CacheHarness(o => o.PushRefreshInterval = Push);
        var reads = CountReadsPerKey(h);
        await h.GetAsync("watched");
        await h.GetAsync("plain");

        using var watch = h.Cache.Watch(new FakeQuery("watched"));
        for (var i = 0; i < 9; i++)
        {
            await h.AdvanceAndRefreshAsync("watched", Push);
        }

        // 4.5 s: the watched key has refreshed nine times, the other one not at all; at 5 s the other one's turn.
        var plainBefore = reads["plain"];
        var plainRefresh = h.NextRefreshAsync("plain");
        await h.AdvanceAndRefreshAsync("watched", Push);
        await plainRefresh;

        Assert.Equal(1, plainBefore);
        Assert.Equal(11, reads["watched"]);
        Assert.Equal(2, reads["plain"]);
        Assert.Equal(1, h.Cache.WatcherCount(new FakeQuery("watched").Key));
    }

    [Fact]
    public async Task Watch_WatchedWhileWaitingOnTheLongInterval_WaitIsCutShort()
    {
        using var h = new CacheHarness(o => o.PushRefreshInterval = Push);
        h.Source.AnswerReadCount(h.Time);
        await h.GetAsync("a");
        h.Time.Advance(TimeSpan.FromSeconds(2));

        // The loop waits for T0 + 5 s; a watcher makes it due at T0 + 0.5 s, already past: it reads at once.
        var refreshed = h.NextRefreshAsync("a");
        using var watch = h.Cache.Watch(new FakeQuery("a"));
        await refreshed;
        var reading = await h.GetAsync("a");

        Assert.Equal((2.0, T0 + TimeSpan.FromSeconds(2)), (reading.Value, reading.ObservedAt));
    }

    [Fact]
    public async Task Watch_LastWatcherGone_BackToRefreshInterval()
    {
        using var h = new CacheHarness(o => o.PushRefreshInterval = Push);
        h.Source.AnswerReadCount(h.Time);
        await h.GetAsync("a");
        var first = h.Cache.Watch(new FakeQuery("a"));
        var second = h.Cache.Watch(new FakeQuery("a"));

        await h.AdvanceAndRefreshAsync("a", Push);
        first.Dispose();
        await h.AdvanceAndRefreshAsync("a", Push); // one watcher left: still the push interval
        var rescheduled = h.ScheduledAsync("a", T0 + TimeSpan.FromSeconds(6)); // 5 s after the last refresh
        second.Dispose();
        await rescheduled;
        for (var i = 0; i < 9; i++)
        {
            h.Time.Advance(Push); // up to T0 + 5.5 s: within 5 s of the last refresh at T0 + 1 s
        }

        await h.AdvanceAndRefreshAsync("a", Push);
        var reading = await h.GetAsync("a");

        Assert.Equal(4, h.Source.Reads);
        Assert.Equal((4.0, T0 + TimeSpan.FromSeconds(6)), (reading.Value, reading.ObservedAt));
        Assert.Equal(0, h.Cache.WatcherCount(new FakeQuery("a").Key));
    }

    [Fact]
    public async Task Watch_ManyStreamsWatchAndLeaveConcurrently_CountedExactly()
    {
        using var h = new CacheHarness(o => o.PushRefreshInterval = Push);
        h.Source.Answer(h.Time, 1);
        await h.GetAsync("a");
        await h.GetAsync("b");

        // 400 streams over two keys: every one watches; the odd ones leave again (twice, as a double dispose would).
        var handles = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(() =>
        {
            var handle = h.Cache.Watch(new FakeQuery(i % 4 < 2 ? "a" : "b"));
            if (i % 2 == 1)
            {
                handle.Dispose();
                handle.Dispose();
            }

            return handle;
        })));

        Assert.Equal(100, h.Cache.WatcherCount(new FakeQuery("a").Key));
        Assert.Equal(100, h.Cache.WatcherCount(new FakeQuery("b").Key));
        await Task.WhenAll(handles.Select(handle => Task.Run(handle.Dispose)));
        Assert.Equal(0, h.Cache.WatcherCount(new FakeQuery("a").Key));
        Assert.Equal(0, h.Cache.WatcherCount(new FakeQuery("b").Key));
    }

    [Fact]
    public async Task Watch_RefreshesWithSameAndNewValues_ToldOnlyOfChanges()
    {
        using var h = new CacheHarness(o => (o.PushRefreshInterval, o.CircuitBreakerMinimumThroughput) = (Push, 1000));
        h.Source.Answer(h.Time, 0);
        await h.GetAsync("a");
        var notices = 0;
        using var watch = h.Cache.Watch(new FakeQuery("a"), () => Interlocked.Increment(ref notices));

        // A refresh's notice runs before the next refresh starts: each count is read after a refresh that follows the step.
        await h.AdvanceAndRefreshAsync("a", Push); // 0 again
        await h.AdvanceAndRefreshAsync("a", Push); // 0 again
        var afterSame = Volatile.Read(ref notices);
        h.Source.Answer(h.Time, 4);
        await h.AdvanceAndRefreshAsync("a", Push); // 0 -> 4
        await h.AdvanceAndRefreshAsync("a", Push); // 4 again
        var afterRise = Volatile.Read(ref notices);
        h.Source.Throw(() => new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"));
        await h.AdvanceAndRefreshAsync("a", Push); // fresh -> failing
        await h.AdvanceAndRefreshAsync("a", Refresh); // failing the same way (a failing key waits its normal interval)
        var afterFailure = Volatile.Read(ref notices);
        await h.AdvanceAndRefreshAsync("a", Refresh); // failing the same way again
        var afterRepeatedFailure = Volatile.Read(ref notices);

        Assert.Equal((0, 1, 2, 2), (afterSame, afterRise, afterFailure, afterRepeatedFailure));
    }

    [Fact]
    public async Task Watch_UpstreamKeepsFailing_CircuitStillOpensAndHoldsOffReads()
    {
        using var h = new CacheHarness(o =>
        {
            o.PushRefreshInterval = Push;
            o.CircuitBreakerMinimumThroughput = 2;
            o.CircuitBreakerFailureRatio = 1.0;
            o.CircuitProbeInterval = TimeSpan.FromSeconds(10);
        });
        h.Source.Throw(() => new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"));
        await h.GetAsync("a");
        using var watch = h.Cache.Watch(new FakeQuery("a"));

        // 20 s of refreshes while the circuit is open: none of them reaches the upstream (only the probes do).
        for (var i = 0; i < 4; i++)
        {
            await h.AdvanceAndRefreshAsync("a", Refresh);
        }

        var reading = await h.GetAsync("a");
        Assert.Equal(2, h.Source.Reads);
        Assert.Equal((SignalStatus.Unavailable, ReadFailure.CircuitOpen), (reading.Status, reading.Failure));
    }

    [Fact]
    public async Task Watch_KeyFailingByException_WaitsItsRefreshIntervalNotThePushInterval()
    {
        using var h = new CacheHarness(o => (o.PushRefreshInterval, o.CircuitBreakerMinimumThroughput) = (Push, 1000));
        h.Source.Throw(() => new SignalSourceException(ReadFailure.ServerError, "HTTP 503: query timed out"));
        var first = h.ScheduledAsync("a", CacheHarness.T0 + Refresh);
        await h.GetAsync("a");
        await first;
        var watched = h.ScheduledAsync("a", CacheHarness.T0 + Refresh);
        using var watch = h.Cache.Watch(new FakeQuery("a"));

        // Watched, yet a query failing with an error is read every 5 s, as any key: its push stream does not
        // multiply what it costs the server (a push interval would have scheduled it at 0.5 s).
        await watched;
        h.Source.Answer(h.Time, 2);
        var back = h.ScheduledAsync("a", CacheHarness.T0 + Refresh + Push);
        await h.AdvanceAndRefreshAsync("a", Refresh);
        await back;

        Assert.Equal(2, h.Source.Reads);
    }

    [Fact]
    public async Task Watch_WatchedKeyNotAskedPastIdleTimeout_KeptRefreshing()
    {
        using var h = new CacheHarness(o => (o.PushRefreshInterval, o.IdleTimeout) = (Refresh, TimeSpan.FromSeconds(10)));
        h.Source.Answer(h.Time, 1);
        await h.GetAsync("a");
        using var watch = h.Cache.Watch(new FakeQuery("a"));

        for (var i = 0; i < 4; i++)
        {
            await h.AdvanceAndRefreshAsync("a", Refresh);
        }

        Assert.Equal(1, h.Cache.Count);
        Assert.Equal(5, h.Source.Reads);
    }

    public static TheoryData<double, double, double> Delays => new()
    {
        { 5.0, 0.0, 5.0 },    // no jitter: the interval itself
        { 5.0, 0.1, 4.5 },    // the most a 10% jitter takes off
        { 5.0, 0.05, 4.75 },  // halfway
        { 0.5, 0.1, 0.45 },   // the push interval shortens the same way
    };

    [Theory]
    [MemberData(nameof(Delays))]
    public void NextDelay_IntervalAndJitter_ShortenedNeverLengthened(double intervalSeconds, double jitter, double expectedSeconds)
    {
        var delay = RefreshSchedule.NextDelay(TimeSpan.FromSeconds(intervalSeconds), jitter);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), delay);
    }

    public static TheoryData<int, int> Grid => new()
    {
        { 5000, 5000 },  // on the grid: unchanged
        { 5019, 5000 },  // rounded down, never later
        { 5020, 5020 },  // the next step
        { 4537, 4520 },  // a jittered time
    };

    [Theory]
    [MemberData(nameof(Grid))]
    public void OnGrid_DueTime_RoundedDownToTheGrid(int dueMilliseconds, int expectedMilliseconds)
    {
        var due = RefreshSchedule.OnGrid(T0 + TimeSpan.FromMilliseconds(dueMilliseconds));

        Assert.Equal(T0 + TimeSpan.FromMilliseconds(expectedMilliseconds), due);
    }

    [Fact]
    public async Task Refresh_ThousandKeysStartedTogether_SpreadOverTheJitterWindow()
    {
        using var h = new CacheHarness(jitter: 0.1, random: new Random(1234));
        h.Source.Answer(h.Time, 1);
        var due = new ConcurrentDictionary<string, DateTimeOffset>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Cache.Scheduled += (key, at) =>
        {
            if (due.TryAdd(key, at) && due.Count == 1000)
            {
                all.TrySetResult();
            }
        };

        await Task.WhenAll(Enumerable.Range(0, 1000).Select(i => h.GetAsync($"k{i}").AsTask()));
        await all.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var refreshes = new ConcurrentDictionary<string, byte>();
        var allRefreshed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Cache.Refreshed += key =>
        {
            if (refreshes.TryAdd(key, 0) && refreshes.Count == 1000)
            {
                allRefreshed.TrySetResult();
            }
        };
        h.Time.Advance(Refresh);
        await allRefreshed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Every key due between 4.5 s and 5 s on the 20 ms grid, spread over the window's 25 steps rather than at one instant.
        var times = due.Values.Select(t => (t - T0).TotalSeconds).ToList();
        var perStep = times.GroupBy(t => t).Select(g => g.Count()).ToList();
        Assert.All(times, t => Assert.InRange(t, 4.5, 5.0));
        Assert.All(due.Values, t => Assert.Equal(0, (t - T0).Ticks % RefreshSchedule.DueGrid.Ticks));
        Assert.True(perStep.Count >= 20, $"{perStep.Count} distinct refresh times");
        Assert.True(perStep.Max() < 100, $"{perStep.Max()} keys at one instant");
        Assert.InRange(times.Count(t => t < 4.75), 400, 600);
        Assert.Equal(2000, h.Source.Reads);
    }

    private static ConcurrentDictionary<string, int> CountReadsPerKey(CacheHarness h)
    {
        var reads = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        h.Source.Behaviour = (query, _) =>
        {
            reads.AddOrUpdate(query.Name, 1, static (_, n) => n + 1);
            return ValueTask.FromResult(Reading.Fresh(1, h.Time.GetUtcNow()));
        };
        return reads;
    }
}
