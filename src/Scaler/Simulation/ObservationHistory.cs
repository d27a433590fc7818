namespace Scaler.Simulation;

/// <summary>
/// The deployment's observations of the last few minutes, one per tick, so that a policy can read a signal
/// as old as its source makes it (<see cref="SignalAge"/>). Before time 0 the first observation stands.
/// </summary>
internal sealed class ObservationHistory
{
    private readonly ClusterObservation[] _ring;
    private readonly double _tick;
    private long _newest = -1;

    public ObservationHistory(double tickSeconds, TimeSpan keep)
    {
        _tick = tickSeconds;
        _ring = new ClusterObservation[(int)Math.Ceiling(keep.TotalSeconds / tickSeconds) + 2];
    }

    /// <summary>Records the observation of tick <paramref name="tick"/> (ticks are recorded in order).</summary>
    public void Record(long tick, ClusterObservation observation)
    {
        _newest = tick;
        _ring[tick % _ring.Length] = observation;
    }

    /// <summary>The observation at <paramref name="seconds"/>: the last tick at or before it, clamped to what is kept.</summary>
    public ClusterObservation At(double seconds)
    {
        if (_newest < 0)
        {
            throw new InvalidOperationException("nothing recorded yet");
        }

        var tick = (long)Math.Floor((seconds / _tick) + 1e-6);
        tick = Math.Clamp(tick, Math.Max(0, _newest - _ring.Length + 1), _newest);
        return _ring[tick % _ring.Length];
    }
}
