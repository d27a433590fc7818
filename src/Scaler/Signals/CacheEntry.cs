using Prometheus;
using Scaler.Decisions;

namespace Scaler.Signals;

/// <summary>
/// One cached key: its source's read, its <see cref="ReadingHistory"/>, its refresh loop's stop and wake
/// tokens, when it was last asked for, and its <c>scaler_signal_reading_age_seconds</c> child.
/// </summary>
internal sealed class CacheEntry : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Gauge.Child _age;
    private readonly SignalMetrics _metrics;
    private readonly Lock _ageGate = new();
    private readonly Lock _wakeGate = new();
    private CancellationTokenSource _wake = new();
    private bool _wakeDisposed;
    private ReadingHistory _history = ReadingHistory.Initial;
    private long _lastAskedTicks;
    private int _closed;
    private int _refreshNow;

    public CacheEntry(string key, string source, SignalSourceOptions options, Func<CancellationToken, ValueTask<Reading>> read, SignalCircuit circuit, SignalMetrics metrics, DateTimeOffset now)
    {
        _lastAskedTicks = now.UtcTicks;
        CreatedAt = now;
        Key = key;
        Source = source;
        Options = options;
        Read = read;
        Circuit = circuit;
        _metrics = metrics;
        _age = metrics.ReadingAge.WithLabels(source, LabelValues.Bounded(key));
        _age.Set(double.NaN);
    }

    public string Key { get; }

    public string Source { get; }

    public SignalSourceOptions Options { get; }

    /// <summary>One read through the source's pipeline.</summary>
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

    public bool HasAnswered => Volatile.Read(ref _history).Answered;

    /// <summary>
    /// The last read failed by an exception (unreachable, timed out, a server error, circuit open) rather
    /// than with an answer: a watched key then waits its normal interval, so a failing query under a push
    /// stream costs its server no more than any other key.
    /// </summary>
    public bool LastReadThrew { get; set; }

    /// <summary>Ends the loop's wait and makes it read at once (the upstream's circuit just closed).</summary>
    public void RefreshNow()
    {
        Volatile.Write(ref _refreshNow, 1);
        Wake();
    }

    /// <summary>Whether <see cref="RefreshNow"/> was asked since the last call.</summary>
    public bool TakeRefreshNow() => Interlocked.Exchange(ref _refreshNow, 0) != 0;

    public DateTimeOffset LastAsked => new(Volatile.Read(ref _lastAskedTicks), TimeSpan.Zero);

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

    public void Touch(DateTimeOffset now)
    {
        // Written at most once a second: a thousand callers a second must not fight over one cache line.
        var ticks = now.UtcTicks;
        if (ticks - Volatile.Read(ref _lastAskedTicks) > TimeSpan.TicksPerSecond)
        {
            Volatile.Write(ref _lastAskedTicks, ticks);
        }
    }

    /// <summary>Folds in one read (only the key's loop calls this).</summary>
    /// <param name="changed">True when the value or the status differs from before (the first answer always does).</param>
    public ReadingTransition Apply(Reading reading, DateTimeOffset now, out bool changed)
    {
        var before = Volatile.Read(ref _history);
        var (after, transition) = before.Apply(reading, now);
        Volatile.Write(ref _history, after);
        _firstRead.TrySetResult();
        changed = after.DiffersFrom(before);
        return transition;
    }

    public Reading Snapshot(DateTimeOffset now) => Volatile.Read(ref _history).Snapshot(now, Options);

    public void UpdateAge(DateTimeOffset now)
    {
        var goodAt = Volatile.Read(ref _history).Good?.ObservedAt;
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
            _metrics.ReadingAge.RemoveLabelled(Source, LabelValues.Bounded(Key));
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
}
