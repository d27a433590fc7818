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

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Circuit of {Source} upstream {Upstream} opened after {Failures} reads found it unreachable ({Cause}); its keys' reads are held and a probe tries every {ProbeInterval}")]
    public static partial void CircuitOpened(ILogger logger, string source, string upstream, int failures, string cause, TimeSpan probeInterval);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Circuit of {Source} upstream {Upstream} half-open: no probe got through within the break, so the next read tries")]
    public static partial void CircuitHalfOpen(ILogger logger, string source, string upstream);

    [LoggerMessage(EventId = 209, Level = LogLevel.Information, Message = "Probe of {Source} upstream {Upstream} got an answer: closing its circuit and reading its keys now")]
    public static partial void ProbeSucceeded(ILogger logger, string source, string upstream);

    [LoggerMessage(EventId = 210, Level = LogLevel.Debug, Message = "Probe of {Source} upstream {Upstream}: still unreachable ({Cause})")]
    public static partial void ProbeUnreachable(ILogger logger, string source, string upstream, string cause);

    [LoggerMessage(EventId = 211, Level = LogLevel.Error, Message = "Probe of {Source} upstream {Upstream} failed unexpectedly; it tries again")]
    public static partial void ProbeFailed(ILogger logger, Exception exception, string source, string upstream);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "Circuit of {Source} upstream {Upstream} closed: reads go through again")]
    public static partial void CircuitClosed(ILogger logger, string source, string upstream);
}
