namespace Scaler.Demo;

/// <summary>
/// A clock that runs <see cref="Speed"/> times faster than the real one, from the real time at start. The demo
/// gives it to the Scaler's host and to the simulated deployment alike, so every window (stabilization,
/// scale-to-zero, staleness, refresh intervals, the KEDA loop's polling) scales together; timers and delays
/// made through it fire after their duration divided by the speed.
/// </summary>
internal sealed class AcceleratedTimeProvider : TimeProvider
{
    private readonly TimeProvider _real;
    private readonly DateTimeOffset _origin;
    private readonly long _originTimestamp;

    /// <param name="speed">How many demo seconds pass per real second; at least 1.</param>
    /// <param name="real">The real clock (default the system's).</param>
    public AcceleratedTimeProvider(double speed, TimeProvider? real = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(speed, 1);
        Speed = speed;
        _real = real ?? System;
        _origin = _real.GetUtcNow();
        _originTimestamp = _real.GetTimestamp();
    }

    public double Speed { get; }

    public override TimeZoneInfo LocalTimeZone => _real.LocalTimeZone;

    public override long TimestampFrequency => _real.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() =>
        _origin + TimeSpan.FromTicks((long)(_real.GetElapsedTime(_originTimestamp).Ticks * Speed));

    public override long GetTimestamp() => _originTimestamp + (long)((_real.GetTimestamp() - _originTimestamp) * Speed);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new AcceleratedTimer(_real.CreateTimer(callback, state, ToReal(dueTime), ToReal(period)), this);

    /// <summary>How long a demo duration takes in real time; infinite and zero stay what they are.</summary>
    public TimeSpan ToReal(TimeSpan duration) =>
        duration == Timeout.InfiniteTimeSpan || duration <= TimeSpan.Zero ? duration : TimeSpan.FromTicks(Math.Max(1, (long)(duration.Ticks / Speed)));

    /// <summary>A real timer whose changes are scaled as its creation was.</summary>
    private sealed class AcceleratedTimer(ITimer real, AcceleratedTimeProvider clock) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => real.Change(clock.ToReal(dueTime), clock.ToReal(period));

        public void Dispose() => real.Dispose();

        public ValueTask DisposeAsync() => real.DisposeAsync();
    }
}
