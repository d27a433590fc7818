using System.Globalization;
using Microsoft.Extensions.Logging;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Scaler.Decisions;

namespace Scaler.Signals;

/// <summary>
/// The background loop of one key: read through the key's pipeline, fold the answer into its history, tell
/// its watchers when it changed, wait for the next refresh (<see cref="RefreshSchedule"/>; the push interval
/// while watched), and stop once nobody asked for the key in <see cref="SignalSourceOptions.IdleTimeout"/>.
/// Whatever a read throws becomes an unavailable reading; the loop is the only reader of its key.
/// </summary>
internal sealed class RefreshLoop(ReadingCache cache, ReadingWatchers watchers, RefreshSchedule schedule, SignalMetrics metrics, TimeProvider time, ILogger logger)
{
    public async Task RunAsync(CacheEntry entry)
    {
        try
        {
            while (true)
            {
                var started = time.GetUtcNow();
                await RefreshAsync(entry).ConfigureAwait(false);
                var idle = time.GetUtcNow() - entry.LastAsked;
                if (idle > entry.Options.IdleTimeout && !watchers.IsWatched(entry.Key))
                {
                    SignalsLog.IdleEvicted(logger, entry.Source, entry.Key, idle);
                    cache.Evict(entry, "idle");
                    return;
                }

                await WaitForNextRefreshAsync(entry, started).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (entry.Stopping.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // The loop must never die silently with the key still cached.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SignalsLog.LoopFailed(logger, exception, entry.Source, entry.Key);
            entry.Apply(Reading.Unavailable(ReadFailure.Other, "refresh loop failed: " + SecretScrubber.Scrub(exception.Message)), time.GetUtcNow(), out _);
            cache.Evict(entry, "loop failed");
        }
        finally
        {
            cache.Evict(entry, reason: null);
            entry.Dispose();
        }
    }

    private async Task RefreshAsync(CacheEntry entry)
    {
        Reading reading;
        entry.LastReadThrew = true;
        try
        {
            reading = await entry.Read(entry.Stopping).ConfigureAwait(false);
            entry.LastReadThrew = false;
        }
        catch (OperationCanceledException) when (entry.Stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (BrokenCircuitException)
        {
            metrics.CountError(entry.Source, ReadFailure.CircuitOpen);
            reading = Reading.Unavailable(ReadFailure.CircuitOpen, entry.Circuit.OpenReason());
        }
        catch (TimeoutRejectedException exception)
        {
            reading = Reading.Unavailable(ReadFailure.Timeout, string.Create(CultureInfo.InvariantCulture, $"timed out after {exception.Timeout.TotalSeconds:0.###} s"));
        }
#pragma warning disable CA1031 // Whatever the source threw becomes data.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            reading = Reading.Unavailable(ReadFailures.Classify(exception), Describe(exception));
        }

        switch (entry.Apply(reading, time.GetUtcNow(), out var changed))
        {
            case ReadingTransition.StartedFailing:
                SignalsLog.Failing(logger, entry.Source, entry.Key, reading.Reason ?? "no value");
                break;
            case ReadingTransition.Recovered:
                SignalsLog.Recovered(logger, entry.Source, entry.Key);
                break;
            case ReadingTransition.StillFailing:
                SignalsLog.StillFailing(logger, entry.Source, entry.Key, reading.Reason ?? "no value");
                break;
        }

        cache.OnRefreshed(entry.Key);
        if (changed)
        {
            watchers.Notify(entry.Key);
        }
    }

    /// <summary>
    /// Waits until <paramref name="started"/> plus the key's interval less its jitter (start to start: a slow
    /// read does not push the schedule back; a read that overran it is followed at once). Watching or
    /// unwatching the key wakes the wait, which is then measured against the new interval.
    /// </summary>
    private async Task WaitForNextRefreshAsync(CacheEntry entry, DateTimeOffset started)
    {
        var jitter = schedule.NextJitter();
        while (true)
        {
            // The wake token first, then the interval: a watch that lands in between cancels this token.
            var wake = entry.WakeToken;
            entry.Stopping.ThrowIfCancellationRequested();
            if (entry.TakeRefreshNow())
            {
                return;
            }

            var interval = watchers.IsWatched(entry.Key) && !entry.LastReadThrew ? Min(entry.Options.PushRefreshInterval, entry.Options.RefreshInterval) : entry.Options.RefreshInterval;
            var due = RefreshSchedule.Due(started, interval, jitter);
            var wait = due - time.GetUtcNow();
            if (wait <= TimeSpan.Zero)
            {
                cache.OnScheduled(entry.Key, due);
                return;
            }

            // The timer exists before anyone hears of the schedule: a clock moved by a listener (a test's fake
            // clock) then finds it registered.
            var delay = Task.Delay(wait, time, wake);
            cache.OnScheduled(entry.Key, due);
            try
            {
                await delay.ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (!entry.Stopping.IsCancellationRequested)
            {
                // Watched or unwatched meanwhile: measure again against the new interval.
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>An exception's messages, outer to inner (transport errors hide the cause inside), without credentials.</summary>
    private static string Describe(Exception exception)
    {
        var message = exception.Message;
        if (exception.InnerException is { } inner && !message.Contains(inner.Message, StringComparison.Ordinal))
        {
            message = $"{message} ({inner.Message})";
        }

        return SecretScrubber.Scrub(message);
    }
}
