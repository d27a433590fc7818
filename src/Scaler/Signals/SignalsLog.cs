using Microsoft.Extensions.Logging;

namespace Scaler.Signals;

/// <summary>The signal layer's log events: 200-208 cache and circuits, 740-742 watched keys (docs/signals.md).</summary>
internal static partial class SignalsLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Signal {Source} {Key} failing: {Reason}; its last good value is served as stale until it ages out")]
    public static partial void Failing(ILogger logger, string source, string key, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "Signal {Source} {Key} recovered: reads are fresh again")]
    public static partial void Recovered(ILogger logger, string source, string key);

    [LoggerMessage(EventId = 205, Level = LogLevel.Debug, Message = "Signal {Source} {Key} still failing: {Reason}")]
    public static partial void StillFailing(ILogger logger, string source, string key, string reason);

    [LoggerMessage(EventId = 206, Level = LogLevel.Debug, Message = "Signal {Source} {Key} not asked for in {Idle}: stopped refreshing and evicted")]
    public static partial void IdleEvicted(ILogger logger, string source, string key, TimeSpan idle);

    [LoggerMessage(EventId = 207, Level = LogLevel.Error, Message = "Refresh loop of signal {Source} {Key} failed unexpectedly; the key is evicted and restarts on the next ask")]
    public static partial void LoopFailed(ILogger logger, Exception exception, string source, string key);

    [LoggerMessage(EventId = 208, Level = LogLevel.Warning, Message = "Signal cache full ({MaxKeys} keys): {Source} {Key} refused until the least recently asked keys are evicted")]
    public static partial void CacheFull(ILogger logger, int maxKeys, string source, string key);

    [LoggerMessage(EventId = 740, Level = LogLevel.Debug, Message = "Signal {Source} {Key} watched by a push stream: refreshing at the push interval")]
    public static partial void Watched(ILogger logger, string source, string key);

    [LoggerMessage(EventId = 741, Level = LogLevel.Debug, Message = "Signal {Source} {Key} no longer watched: back to its refresh interval")]
    public static partial void Unwatched(ILogger logger, string source, string key);

    [LoggerMessage(EventId = 742, Level = LogLevel.Error, Message = "A watcher of signal {Source} {Key} failed; the other watchers and the refresh go on")]
    public static partial void WatcherFailed(ILogger logger, Exception exception, string source, string key);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Circuit of {Source} upstream {Upstream} opened after {Failures} failed attempts; reads are rejected for {BreakDuration}")]
    public static partial void CircuitOpened(ILogger logger, string source, string upstream, int failures, TimeSpan breakDuration);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Circuit of {Source} upstream {Upstream} half-open: the next read is a probe")]
    public static partial void CircuitHalfOpen(ILogger logger, string source, string upstream);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "Circuit of {Source} upstream {Upstream} closed: reads go through again")]
    public static partial void CircuitClosed(ILogger logger, string source, string upstream);
}
