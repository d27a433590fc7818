using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Prometheus;
using Polly.Timeout;
using Scaler.Decisions;

namespace Scaler.Signals;

/// <summary>
/// Serves readings from the last good snapshot (STYLE rule 10). The first ask for a key
/// (<see cref="SignalQuery.Key"/>) starts a background loop that reads the key's source through its
/// resilience pipeline every <see cref="SignalSourceOptions.RefreshInterval"/>; every later ask returns
/// the cached reading at once. The loop is the only reader of its key, so N callers cause at most one
/// upstream read per refresh interval per key, and callers never share a cancellation with it.
/// <para>
/// Aging, from the last good value: fresh while reads succeed; stale (value kept, reason says why) as soon
/// as a read fails or once it is older than <see cref="SignalSourceOptions.StaleAfter"/>; unavailable (NaN)
/// once older than <see cref="SignalSourceOptions.UnavailableAfter"/>. A key nobody asked for in
/// <see cref="SignalSourceOptions.IdleTimeout"/> stops refreshing and is evicted; at most
/// <see cref="ReadingCacheOptions.MaxKeys"/> keys are kept (least recently asked go first).
/// </para>
/// <para>
/// A key someone <see cref="Watch">watches</see> (a push stream) refreshes every
/// <see cref="SignalSourceOptions.PushRefreshInterval"/> instead, and tells its watchers when its value or
/// status changed; it goes back to <see cref="SignalSourceOptions.RefreshInterval"/> when its last watcher
/// goes. Each wait is shortened by a random share of up to <see cref="ReadingCacheOptions.RefreshJitter"/>
/// of the interval, so keys started together do not refresh in lockstep; a key is never refreshed later
/// than its interval.
/// </para>
/// No exception escapes <see cref="GetAsync"/>.
/// </summary>
internal sealed class ReadingCache : IDisposable
{
    private const string FirstReadInProgress = "first read in progress";

    /// <summary>Refresh times are rounded down to this grid (see <see cref="OnGrid"/>); well under the shortest interval (50 ms).</summary>
    internal static readonly TimeSpan DueGrid = TimeSpan.FromMilliseconds(20);

    private readonly IServiceProvider _services;
    private readonly SignalPipelines _pipelines;
    private readonly SignalMetrics _metrics;
    private readonly IOptionsMonitor<SignalSourceOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MemoryCache _cache;
    private readonly int _maxKeys;
    private readonly ConcurrentDictionary<string, Entry> _live = new(StringComparer.Ordinal);

    // Watchers per key, swapped whole under _gate; a key without watchers has no entry here.
    private readonly ConcurrentDictionary<string, Watcher[]> _watched = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly double _jitter;
    private readonly Random _random;
    private readonly Lock _randomGate = new();
    private volatile bool _disposed;

    /// <param name="random">Draws the refresh jitter; tests pass a seeded one. Default <see cref="Random.Shared"/>.</param>
    public ReadingCache(
        IServiceProvider services,
        SignalPipelines pipelines,
        SignalMetrics metrics,
        IOptionsMonitor<SignalSourceOptions> options,
        IOptions<ReadingCacheOptions> cacheOptions,
        TimeProvider time,
        ILogger<ReadingCache> logger,
        Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(cacheOptions);
        _services = services;
        _pipelines = pipelines;
        _metrics = metrics;
        _options = options;
        _time = time;
        _logger = logger;
        _maxKeys = cacheOptions.Value.MaxKeys;
        _jitter = cacheOptions.Value.RefreshJitter;
        _random = random ?? Random.Shared;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = _maxKeys, CompactionPercentage = 0.05 });
        metrics.Registry.AddBeforeCollectCallback(UpdateAges);
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
    public IDisposable Watch(SignalQuery query, Action? onChanged = null)
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
            SignalsLog.Watched(_logger, query.Source, query.Key);
            Reschedule(query.Key);
        }

        return watcher;
    }

    /// <summary>How many watchers <paramref name="key"/> has.</summary>
    internal int WatcherCount(string key) => _watched.TryGetValue(key, out var members) ? members.Length : 0;

    /// <summary>
    /// The reading for <paramref name="query"/>: the cached one, or for a key not asked before, the first
    /// read's answer if it comes within <see cref="SignalSourceOptions.FirstReadWait"/>, else
    /// "unavailable: first read in progress". <paramref name="cancellationToken"/> only ends this caller's wait.
    /// </summary>
    public ValueTask<Reading> GetAsync<TQuery>(TQuery query, CancellationToken cancellationToken)
        where TQuery : SignalQuery
    {
        try
        {
            ArgumentNullException.ThrowIfNull(query);
            ObjectDisposedException.ThrowIf(_disposed, this);
            var now = _time.GetUtcNow();
            if (!_cache.TryGetValue(query.Key, out Entry? entry) || entry is null)
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
        foreach (var entry in _live.Values)
        {
            Evict(entry, reason: null);
        }

        _cache.Dispose();
    }

    private Entry? GetOrStart<TQuery>(TQuery query, out Reading? refused)
        where TQuery : SignalQuery
    {
        refused = null;
        lock (_gate)
        {
            if (_live.TryGetValue(query.Key, out var existing))
            {
                return existing;
            }

            if (_services.GetService<ISignalSource<TQuery>>() is not { } source)
            {
                refused = Reading.Unavailable(ReadFailure.Other, $"no signal source is registered for {typeof(TQuery).Name} ({query.Source})");
                return null;
            }

            var options = _options.Get(query.Source);
            var circuit = _pipelines.Get(query.Source, query.Upstream);
            var entry = new Entry(query.Key, query.Source, options, ct => circuit.ReadAsync(source, query, ct), circuit, _metrics, _time.GetUtcNow());
            using (var cacheEntry = _cache.CreateEntry(query.Key))
            {
                cacheEntry.Value = entry;
                cacheEntry.Size = 1;
                cacheEntry.RegisterPostEvictionCallback(static (_, value, reason, state) =>
                {
                    // Capacity evictions come from the cache; explicit removals were ours and are already handled.
                    if (reason != EvictionReason.Removed && value is Entry evicted)
                    {
                        ((ReadingCache)state!).Evict(evicted, "capacity");
                    }
                }, this);
            }

            // Beyond the size limit the cache refuses the entry and compacts in the background.
            if (!_cache.TryGetValue(query.Key, out Entry? stored) || !ReferenceEquals(stored, entry))
            {
                entry.Close();
                entry.Dispose();
                SignalsLog.CacheFull(_logger, _maxKeys, query.Source, query.Key);
                refused = Reading.Unavailable(ReadFailure.Other, $"signal cache full ({_maxKeys} keys); retry shortly");
                return null;
            }

            // The cache's capacity evictions reach _live through callbacks that run later; never run ahead of them.
            if (_live.Count >= _maxKeys)
            {
                _cache.Remove(query.Key);
                entry.Close();
                entry.Dispose();
                SignalsLog.CacheFull(_logger, _maxKeys, query.Source, query.Key);
                refused = Reading.Unavailable(ReadFailure.Other, $"signal cache full ({_maxKeys} keys); retry shortly");
                return null;
            }

            _live[query.Key] = entry;

            // The loop outlives this caller: it must not inherit the caller's execution context (activity, scopes).
            using (ExecutionContext.SuppressFlow())
            {
                entry.Loop = Task.Run(() => RunAsync(entry));
            }

            return entry;
        }
    }

    private async ValueTask<Reading> WaitForFirstReadAsync(Entry entry, CancellationToken cancellationToken)
    {
        // The budget runs from the key's first ask: later askers do not each wait a full budget on a hung first read.
        var budget = entry.Options.FirstReadWait - (_time.GetUtcNow() - entry.CreatedAt);
        if (budget <= TimeSpan.Zero && !entry.FirstRead.IsCompleted)
        {
            return Reading.Unavailable(FirstReadInProgress);
        }

        try
        {
            await entry.FirstRead.WaitAsync(budget, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return Reading.Unavailable(FirstReadInProgress);
        }
        catch (OperationCanceledException)
        {
            return Reading.Unavailable("the caller gave up before the first read completed");
        }

        return entry.Snapshot(_time.GetUtcNow());
    }

    private async Task RunAsync(Entry entry)
    {
        try
        {
            while (true)
            {
                var started = _time.GetUtcNow();
                await RefreshAsync(entry).ConfigureAwait(false);
                var idle = _time.GetUtcNow() - entry.LastAsked;
                if (idle > entry.Options.IdleTimeout && !_watched.ContainsKey(entry.Key))
                {
                    SignalsLog.IdleEvicted(_logger, entry.Source, entry.Key, idle);
                    Evict(entry, "idle");
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
            SignalsLog.LoopFailed(_logger, exception, entry.Source, entry.Key);
            entry.Apply(Reading.Unavailable(ReadFailure.Other, "refresh loop failed: " + SecretScrubber.Scrub(exception.Message)), _time.GetUtcNow(), out _);
            Evict(entry, "loop failed");
        }
        finally
        {
            Evict(entry, reason: null);
            entry.Dispose();
        }
    }

    /// <summary>
    /// Waits until <paramref name="started"/> plus the key's interval less its jitter (start to start: a slow
    /// read does not push the schedule back; a read that overran it is followed at once). Watching or
    /// unwatching the key wakes the wait, which is then measured against the new interval.
    /// </summary>
    private async Task WaitForNextRefreshAsync(Entry entry, DateTimeOffset started)
    {
        var jitter = NextJitter();
        while (true)
        {
            // The wake token first, then the interval: a watch that lands in between cancels this token.
            var wake = entry.WakeToken;
            entry.Stopping.ThrowIfCancellationRequested();
            var interval = _watched.ContainsKey(entry.Key) ? Min(entry.Options.PushRefreshInterval, entry.Options.RefreshInterval) : entry.Options.RefreshInterval;
            var due = OnGrid(started + NextDelay(interval, jitter));
            Scheduled?.Invoke(entry.Key, due);
            var wait = due - _time.GetUtcNow();
            if (wait <= TimeSpan.Zero)
            {
                return;
            }

            try
            {
                await Task.Delay(wait, _time, wake).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (!entry.Stopping.IsCancellationRequested)
            {
                // Watched or unwatched meanwhile: measure again against the new interval.
            }
        }
    }

    /// <summary>The wait before the next refresh: <paramref name="interval"/> shortened by <paramref name="jitter"/> (a share of it).</summary>
    internal static TimeSpan NextDelay(TimeSpan interval, double jitter) => TimeSpan.FromTicks((long)(interval.Ticks * (1 - jitter)));

    /// <summary>
    /// <paramref name="due"/> rounded down to a <see cref="DueGrid"/> boundary: keys that fall due within the same
    /// few milliseconds wake the thread pool once between them, instead of one wake-up (and one spin) each,
    /// which is what spreading the keys out would otherwise cost in idle CPU. Never later than asked.
    /// </summary>
    internal static DateTimeOffset OnGrid(DateTimeOffset due) => new(due.UtcTicks - (due.UtcTicks % DueGrid.Ticks), TimeSpan.Zero);

    private double NextJitter()
    {
        if (_jitter <= 0)
        {
            return 0;
        }

        lock (_randomGate)
        {
            return _jitter * _random.NextDouble();
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private void Reschedule(string key)
    {
        if (_live.TryGetValue(key, out var entry))
        {
            entry.Wake();
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
            SignalsLog.Unwatched(_logger, watcher.Source, watcher.Key);
            Reschedule(watcher.Key);
        }
    }

    private void NotifyWatchers(string key)
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
                SignalsLog.WatcherFailed(_logger, exception, watcher.Source, key);
            }
        }
    }

    private async Task RefreshAsync(Entry entry)
    {
        Reading reading;
        try
        {
            reading = await entry.Read(entry.Stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (entry.Stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (BrokenCircuitException exception)
        {
            _metrics.CountError(entry.Source, ReadFailure.CircuitOpen);
            var retry = exception.RetryAfter is { } after ? string.Create(CultureInfo.InvariantCulture, $"; next probe in {after.TotalSeconds:0.#} s") : "";
            reading = Reading.Unavailable(ReadFailure.CircuitOpen, $"circuit open after {entry.Circuit.FailuresAtOpen} failures{retry}");
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

        var now = _time.GetUtcNow();
        switch (entry.Apply(reading, now, out var changed))
        {
            case Transition.StartedFailing:
                SignalsLog.Failing(_logger, entry.Source, entry.Key, reading.Reason ?? "no value");
                break;
            case Transition.Recovered:
                SignalsLog.Recovered(_logger, entry.Source, entry.Key);
                break;
            case Transition.StillFailing:
                SignalsLog.StillFailing(_logger, entry.Source, entry.Key, reading.Reason ?? "no value");
                break;
        }

        Refreshed?.Invoke(entry.Key);
        if (changed)
        {
            NotifyWatchers(entry.Key);
        }
    }

    private void Evict(Entry entry, string? reason)
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

        if (entry.Close() && reason is not null)
        {
            Evicted?.Invoke(entry.Key);
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

    /// <summary>One <see cref="Watch"/> handle.</summary>
    private sealed class Watcher(ReadingCache cache, string key, string source, Action? onChanged) : IDisposable
    {
        private int _disposed;

        public string Key { get; } = key;

        public string Source { get; } = source;

        public Action? OnChanged { get; } = onChanged;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                cache.Unwatch(this);
            }
        }
    }

    private enum Transition
    {
        None,
        StartedFailing,
        StillFailing,
        Recovered,
    }

    /// <summary>What the last reads of one key learned. Immutable; swapped whole.</summary>
    private sealed record State(Reading? Good, Reading? Failure, bool Answered);

    /// <summary>One key: its loop, its last good reading and its last failure.</summary>
    private sealed class Entry : IDisposable
    {
        private static readonly State Initial = new(null, null, false);
        private readonly CancellationTokenSource _stop = new();
        private readonly TaskCompletionSource _firstRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Gauge.Child _age;
        private readonly SignalMetrics _metrics;
        private readonly Lock _ageGate = new();
        private readonly Lock _wakeGate = new();
        private CancellationTokenSource _wake = new();
        private bool _wakeDisposed;
        private State _state = Initial;
        private long _lastAskedTicks;
        private int _closed;

        public Entry(string key, string source, SignalSourceOptions options, Func<CancellationToken, ValueTask<Reading>> read, SignalCircuit circuit, SignalMetrics metrics, DateTimeOffset now)
        {
            _lastAskedTicks = now.UtcTicks;
            CreatedAt = now;
            Key = key;
            Source = source;
            Options = options;
            Read = read;
            Circuit = circuit;
            _metrics = metrics;
            _age = metrics.ReadingAge.WithLabels(source, key);
            _age.Set(double.NaN);
        }

        public string Key { get; }

        public string Source { get; }

        public SignalSourceOptions Options { get; }

        public Func<CancellationToken, ValueTask<Reading>> Read { get; }

        public SignalCircuit Circuit { get; }

        public Task? Loop { get; set; }

        public DateTimeOffset CreatedAt { get; }

        public Task FirstRead => _firstRead.Task;

        public CancellationToken Stopping => _stop.Token;

        /// <summary>Cancelled by <see cref="Wake"/>: the loop's wait for its next refresh ends early.</summary>
        public CancellationToken WakeToken
        {
            get
            {
                lock (_wakeGate)
                {
                    return _wake.Token;
                }
            }
        }

        /// <summary>Ends the loop's current wait, so it measures again (its key was watched or unwatched, or it is closing).</summary>
        public void Wake()
        {
            CancellationTokenSource woken;
            lock (_wakeGate)
            {
                if (_wakeDisposed)
                {
                    return;
                }

                woken = _wake;
                _wake = new CancellationTokenSource();
            }

            // Asynchronously: the loop must not continue on the thread of whoever watched the key.
            _ = woken.CancelAsync();
        }

        public bool HasAnswered => Volatile.Read(ref _state).Answered;

        public DateTimeOffset LastAsked => new(Volatile.Read(ref _lastAskedTicks), TimeSpan.Zero);

        public void Touch(DateTimeOffset now)
        {
            // Written at most once a second: a thousand callers a second must not fight over one cache line.
            var ticks = now.UtcTicks;
            if (ticks - Volatile.Read(ref _lastAskedTicks) > TimeSpan.TicksPerSecond)
            {
                Volatile.Write(ref _lastAskedTicks, ticks);
            }
        }

        /// <param name="changed">True when the value or the status differs from before (the first answer always does).</param>
        public Transition Apply(Reading reading, DateTimeOffset now, out bool changed)
        {
            var before = Volatile.Read(ref _state);
            var wasFailing = before.Failure is not null;
            State after;
            Transition transition;
            if (reading.IsUsable)
            {
                after = new State(reading.ObservedAt is null ? reading with { ObservedAt = now } : reading, null, true);
                transition = wasFailing && before.Answered ? Transition.Recovered : Transition.None;
            }
            else
            {
                after = new State(before.Good, reading with { Reason = reading.Reason ?? "no value" }, true);
                transition = wasFailing ? Transition.StillFailing : Transition.StartedFailing;
            }

            Volatile.Write(ref _state, after);
            _firstRead.TrySetResult();
            changed = Differs(before, after);
            return transition;
        }

        /// <summary>What a watcher would see differently: the first answer, failing or not, the kind of failure, the value, the coverage.</summary>
        private static bool Differs(State before, State after)
        {
            if (!before.Answered || (before.Failure is null) != (after.Failure is null))
            {
                return true;
            }

            if (after.Failure is { } failure)
            {
                return failure.Failure != before.Failure!.Failure || failure.Status != before.Failure.Status;
            }

            var (was, now) = (before.Good!, after.Good!);
            return !was.Value.Equals(now.Value)
                || was.Status != now.Status
                || was.Coverage?.Answered != now.Coverage?.Answered
                || was.Coverage?.Expected != now.Coverage?.Expected;
        }

        public Reading Snapshot(DateTimeOffset now)
        {
            var state = Volatile.Read(ref _state);
            if (state.Good is not { ObservedAt: { } goodAt } good)
            {
                return state.Failure is { } failure ? failure with { ObservedAt = null } : Reading.Unavailable(FirstReadInProgress);
            }

            var age = now - goodAt;
            if (age > Options.UnavailableAfter)
            {
                var why = state.Failure?.Reason ?? "no read has completed since";
                return Reading.Unavailable(state.Failure?.Failure ?? ReadFailure.Timeout, Invariant($"no good value for {age.TotalSeconds:0.#} s (limit {Options.UnavailableAfter.TotalSeconds:0.#} s): {why}"), goodAt);
            }

            if (state.Failure is { } failed)
            {
                return new Reading(SignalStatus.Stale, good.Value, goodAt, Invariant($"last read failed: {failed.Reason}; serving the value from {age.TotalSeconds:0.#} s ago"), good.Coverage) { Failure = failed.Failure };
            }

            if (age > Options.StaleAfter)
            {
                return new Reading(SignalStatus.Stale, good.Value, goodAt, Invariant($"no read has completed for {age.TotalSeconds:0.#} s; serving the last good value"), good.Coverage) { Failure = ReadFailure.Timeout };
            }

            return good;
        }

        public void UpdateAge(DateTimeOffset now)
        {
            var goodAt = Volatile.Read(ref _state).Good?.ObservedAt;
            lock (_ageGate)
            {
                if (Volatile.Read(ref _closed) == 0)
                {
                    _age.Set(goodAt is { } at ? (now - at).TotalSeconds : double.NaN);
                }
            }
        }

        /// <summary>Stops the loop and removes the key's metric child; true the first time.</summary>
        public bool Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0)
            {
                return false;
            }

            lock (_ageGate)
            {
                _metrics.ReadingAge.RemoveLabelled(Source, Key);
            }

            _stop.Cancel();
            Wake();
            return true;
        }

        /// <summary>Called when the loop has ended (it ends only after <see cref="Close"/>).</summary>
        public void Dispose()
        {
            _stop.Dispose();
            lock (_wakeGate)
            {
                _wakeDisposed = true;
                _wake.Dispose();
            }
        }

        private static string Invariant(ref DefaultInterpolatedStringHandler handler) => string.Create(CultureInfo.InvariantCulture, ref handler);
    }
}

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
}
