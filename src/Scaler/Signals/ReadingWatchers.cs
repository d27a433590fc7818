using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Scaler.Signals;

/// <summary>
/// Who watches which key (<see cref="ReadingCache.Watch"/>): a watched key refreshes at its push interval and
/// tells its watchers when its value or status changed. Watchers per key are swapped whole under a lock; a key
/// without watchers has no entry. <paramref name="watchedChanged"/> runs when a key gains its first watcher or
/// loses its last (its loop then measures its wait again).
/// </summary>
internal sealed class ReadingWatchers(ILogger logger, Action<string> watchedChanged)
{
    private readonly ConcurrentDictionary<string, Watcher[]> _watched = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public IDisposable Watch(SignalQuery query, Action? onChanged)
    {
        ArgumentNullException.ThrowIfNull(query);
        var watcher = new Watcher(this, query.Key, query.Source, onChanged);
        bool first;
        lock (_gate)
        {
            var before = _watched.TryGetValue(query.Key, out var members) ? members : [];
            _watched[query.Key] = [.. before, watcher];
            first = before.Length == 0;
        }

        if (first)
        {
            SignalsLog.Watched(logger, query.Source, query.Key);
            watchedChanged(query.Key);
        }

        return watcher;
    }

    public bool IsWatched(string key) => _watched.ContainsKey(key);

    public int Count(string key) => _watched.TryGetValue(key, out var members) ? members.Length : 0;

    /// <summary>Calls every watcher of <paramref name="key"/>; one that throws is logged and the others still run.</summary>
    public void Notify(string key)
    {
        if (!_watched.TryGetValue(key, out var members))
        {
            return;
        }

        foreach (var watcher in members)
        {
            try
            {
                watcher.OnChanged?.Invoke();
            }
#pragma warning disable CA1031 // One watcher's bug must not stop the key's loop or the other watchers.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                SignalsLog.WatcherFailed(logger, exception, watcher.Source, key);
            }
        }
    }

    private void Unwatch(Watcher watcher)
    {
        bool last;
        lock (_gate)
        {
            var members = _watched.TryGetValue(watcher.Key, out var current) ? current : [];
            var index = Array.IndexOf(members, watcher);
            if (index < 0)
            {
                return;
            }

            last = members.Length == 1;
            if (last)
            {
                _watched.TryRemove(watcher.Key, out _);
            }
            else
            {
                _watched[watcher.Key] = [.. members.AsSpan(0, index), .. members.AsSpan(index + 1)];
            }
        }

        if (last)
        {
            SignalsLog.Unwatched(logger, watcher.Source, watcher.Key);
            watchedChanged(watcher.Key);
        }
    }

    /// <summary>One watch handle; disposing it twice is harmless.</summary>
    private sealed class Watcher(ReadingWatchers owner, string key, string source, Action? onChanged) : IDisposable
    {
        private int _disposed;

        public string Key { get; } = key;

        public string Source { get; } = source;

        public Action? OnChanged { get; } = onChanged;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unwatch(this);
            }
        }
    }
}
