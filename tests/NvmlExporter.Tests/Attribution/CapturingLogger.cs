using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace NvmlExporter.Tests.Attribution;

internal sealed record LogEntry(LogLevel Level, EventId EventId, string Message);

/// <summary>Keeps every log line written through it, for asserting how often something was said.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue(new LogEntry(logLevel, eventId, formatter(state, exception)));
}
