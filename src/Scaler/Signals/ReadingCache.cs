using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scaler.Decisions;

namespace Scaler.Signals;

/// <summary>
/// Serves readings from the last good snapshot (STYLE rule 10). The first ask for a key
/// (<see cref="SignalQuery.Key"/>) finds the query's source by its run-time type (<see cref="SignalSources"/>)
/// and starts the key's <see cref="RefreshLoop"/>; every later ask returns the cached reading at once, aged by
/// <see cref="ReadingHistory"/>. N callers cause at most one upstream read per refresh interval per key, and
/// callers never share a cancellation with the loop. A key nobody asked for in
/// <see cref="SignalSourceOptions.IdleTimeout"/> is evicted, and at most <see cref="ReadingCacheOptions.MaxKeys"/>
/// keys are kept (least recently asked go first). A <see cref="Watch">watched</see> key refreshes at its push
/// interval (<see cref="ReadingWatchers"/>). No exception escapes <see cref="GetAsync"/>.
/// </summary>
internal sealed class ReadingCache : IDisposable
{
    private readonly SignalSources _sources;
    private readonly SignalPipelines _pipelines;
    private readonly SignalMetrics _metrics;
    private readonly IOptionsMonitor<SignalSourceOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MemoryCache _cache;
    private readonly int _maxKeys;
    private readonly ConcurrentDictionary<string, CacheEntry> _live = new(StringComparer.Ordinal);
    private readonly ReadingWatchers _watchers;
    private readonly RefreshLoop _loop;
    private readonly Lock _gate = new();
    private volatile bool _disposed;

    /// <param name="random">Draws the refresh jitter; tests pass a seeded one. Default <see cref="Random.Shared"/>.</param>
    public ReadingCache(
        SignalSources sources,
        SignalPipelines pipelines,
        SignalMetrics metrics,
        IOptionsMonitor<SignalSourceOptions> options,
        IOptions<ReadingCacheOptions> cacheOptions,
        TimeProvider time,
        ILogger<ReadingCache> logger,
        Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(cacheOptions);
        _sources = sources;
        _pipelines = pipelines;
        _metrics = metrics;
        _options = options;
        _time = time;
        _logger = logger;
        _maxKeys = cacheOptions.Value.MaxKeys;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = _maxKeys, CompactionPercentage = 0.05 });
        _watchers = new ReadingWatchers(logger, Reschedule);
        _loop = new RefreshLoop(this, _watchers, new RefreshSchedule(cacheOptions.Value.RefreshJitter, random ?? Random.Shared), metrics, time, logger);
        metrics.Registry.AddBeforeCollectCallback(UpdateAges);
        _pipelines.CircuitClosed += ReadKeysOf;
    }

    /// <summary>Keys currently cached and refreshing.</summary>
    public int Count => _live.Count;

    /// <summary>Raised after each refresh of a key is applied (tests wait on it instead of sleeping).</summary>
    internal event Action<string>? Refreshed;

    /// <summary>Raised when a key is evicted and its loop stops.</summary>
    internal event Action<string>? Evicted;

    /// <summary>Raised when a key's loop has picked the time of its next refresh (tests check the schedule with it).</summary>
    internal event Action<string, DateTimeOffset>? Scheduled;

    /// <summary>
    /// Marks <paramref name="query"/>'s key as watched until the returned handle is disposed: while it has a
    /// watcher, the key refreshes every <see cref="SignalSourceOptions.PushRefreshInterval"/> (or its
    /// <see cref="SignalSourceOptions.RefreshInterval"/> if that is shorter), is not evicted for being idle,
    /// and <paramref name="onChanged"/> runs (on the refresh loop; it must be quick and must not block)
    /// after each refresh that changed the key's value or status. Failures keep their pipeline: retries,
    /// timeouts and the upstream's circuit breaker apply as for any refresh. A key not cached yet is watched
    /// from its first ask (<see cref="GetAsync"/> starts it). Disposing the handle twice is harmless.
    /// </summary>
    public IDisposable Watch(SignalQuery query, Action? onChanged = null) => _watchers.Watch(query, onChanged);

    /// <summary>How many watchers <paramref name="key"/> has.</summary>
    internal int WatcherCount(string key) => _watchers.Count(key);

    /// <summary>
    /// The reading for <paramref name="query"/>: the cached one, or for a key not asked before, the first
    /// read's answer if it comes within <see cref="SignalSourceOptions.FirstReadWait"/>, else
    /// "unavailable: first read in progress". <paramref name="cancellationToken"/> only ends this caller's wait.
    /// </summary>
    public ValueTask<Reading> GetAsync(SignalQuery query, CancellationToken cancellationToken)
    {
        try
        {
            ArgumentNullException.ThrowIfNull(query);
            ObjectDisposedException.ThrowIf(_disposed, this);
            var now = _time.GetUtcNow();
            if (!_cache.TryGetValue(query.Key, out CacheEntry? entry) || entry is null)
            {
                entry = GetOrStart(query, out var refused);
                if (entry is null)
                {
                    return ValueTask.FromResult(refused!);
                }
            }

            entry.Touch(now);
            return entry.HasAnswered ? ValueTask.FromResult(entry.Snapshot(now)) : WaitForFirstReadAsync(entry, cancellationToken);
        }
#pragma warning disable CA1031 // A failure is data: nothing escapes to the front doors.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return ValueTask.FromResult(Reading.Unavailable(ReadFailure.Other, "signal cache: " + SecretScrubber.Scrub(exception.Message)));
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _pipelines.CircuitClosed -= ReadKeysOf;
        foreach (var entry in _live.Values)
        {
            Evict(entry, reason: null);
        }

        _cache.Dispose();
    }

    /// <summary>Removes <paramref name="entry"/> and stops its loop; raises <see cref="Evicted"/> when a <paramref name="reason"/> is given.</summary>
    internal void Evict(CacheEntry entry, string? reason)
    {
        lock (_gate)
        {
            if (_live.TryGetValue(entry.Key, out var current) && ReferenceEquals(current, entry))
            {
                _live.TryRemove(entry.Key, out _);
                if (!_disposed)
                {
                    _cache.Remove(entry.Key);
                }
            }
        }

        if (entry.Close())
        {
            _pipelines.Release(entry.Circuit);
            if (reason is not null)
            {
                Evicted?.Invoke(entry.Key);
            }
        }
    }

    internal void OnRefreshed(string key) => Refreshed?.Invoke(key);

    internal void OnScheduled(string key, DateTimeOffset due) => Scheduled?.Invoke(key, due);

    private CacheEntry? GetOrStart(SignalQuery query, out Reading? refused)
    {
        refused = null;
        lock (_gate)
        {
            if (_live.TryGetValue(query.Key, out var existing))
            {
                return existing;
            }

            if (!_sources.TryGet(query, out var source, out var probe))
            {
                refused = Reading.Unavailable(ReadFailure.Other, $"no signal source is registered for {query.GetType().Name} ({query.Source})");
                return null;
            }

            var circuit = _pipelines.Acquire(query.Source, query.Upstream, probe);
            var entry = new CacheEntry(query.Key, query.Source, _options.Get(query.Source), ct => circuit.ReadAsync(source, query, ct), circuit, _metrics, _time.GetUtcNow());
            if (!TryAdmit(entry, out refused))
            {
                return null;
            }

            _live[query.Key] = entry;

            // The loop outlives this caller: it must not inherit the caller's execution context (activity, scopes).
            using (ExecutionContext.SuppressFlow())
            {
                entry.Loop = Task.Run(() => _loop.RunAsync(entry));
            }

            return entry;
        }
    }

    /// <summary>Puts a new entry in the size-limited cache; false (and the entry closed) when the cache is full.</summary>
    private bool TryAdmit(CacheEntry entry, out Reading? refused)
    {
        refused = null;
        using (var cacheEntry = _cache.CreateEntry(entry.Key))
        {
            cacheEntry.Value = entry;
            cacheEntry.Size = 1;
            cacheEntry.RegisterPostEvictionCallback(static (_, value, reason, state) =>
            {
                // Capacity evictions come from the cache; explicit removals were ours and are already handled.
                if (reason != EvictionReason.Removed && value is CacheEntry evicted)
                {
                    ((ReadingCache)state!).Evict(evicted, "capacity");
                }
            }, this);
        }

        // Beyond the size limit the cache refuses the entry and compacts in the background. Its capacity
        // evictions reach _live through callbacks that run later: never run ahead of them.
        var stored = _cache.TryGetValue(entry.Key, out CacheEntry? inCache) && ReferenceEquals(inCache, entry);
        if (stored && _live.Count < _maxKeys)
        {
            return true;
        }

        if (stored)
        {
            _cache.Remove(entry.Key);
        }

        if (entry.Close())
        {
            _pipelines.Release(entry.Circuit);
        }

        entry.Dispose();
        SignalsLog.CacheFull(_logger, _maxKeys, entry.Source, entry.Key);
        refused = Reading.Unavailable(ReadFailure.Other, $"signal cache full ({_maxKeys} keys); retry shortly");
        return false;
    }

    private async ValueTask<Reading> WaitForFirstReadAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        // The budget runs from the key's first ask: later askers do not each wait a full budget on a hung first read.
        var budget = entry.Options.FirstReadWait - (_time.GetUtcNow() - entry.CreatedAt);
        if (budget <= TimeSpan.Zero && !entry.FirstRead.IsCompleted)
        {
            return Reading.Unavailable(ReadingHistory.FirstReadInProgress);
        }

        try
        {
            await entry.FirstRead.WaitAsync(budget, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return Reading.Unavailable(ReadingHistory.FirstReadInProgress);
        }
        catch (OperationCanceledException)
        {
            return Reading.Unavailable("the caller gave up before the first read completed");
        }

        return entry.Snapshot(_time.GetUtcNow());
    }

    /// <summary>An upstream's circuit closed after a probe got through: read its keys now, not at their next tick.</summary>
    private void ReadKeysOf(SignalCircuit circuit)
    {
        foreach (var entry in _live.Values)
        {
            if (ReferenceEquals(entry.Circuit, circuit))
            {
                entry.RefreshNow();
            }
        }
    }

    private void Reschedule(string key)
    {
        if (_live.TryGetValue(key, out var entry))
        {
            entry.Wake();
        }
    }

    private void UpdateAges()
    {
        var now = _time.GetUtcNow();
        foreach (var entry in _live.Values)
        {
            entry.UpdateAge(now);
        }
    }
}
