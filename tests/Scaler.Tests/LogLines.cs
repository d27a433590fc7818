using Microsoft.Extensions.Logging.Testing;

namespace Scaler.Tests;

/// <summary>What an operator reads in the log, from <see cref="FakeLoggerProvider"/>'s records.</summary>
internal static class LogLines
{
    /// <summary>Every record as one line: level, category, [event id], message and the exception's text.</summary>
    public static IReadOnlyList<string> Lines(this FakeLoggerProvider logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        return [.. logs.Collector.GetSnapshot().Select(r => $"{r.Level} {r.Category}[{r.Id.Id}] {r.Message} {r.Exception}")];
    }
}
