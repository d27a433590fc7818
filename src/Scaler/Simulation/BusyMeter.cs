namespace Scaler.Simulation;

/// <summary>
/// Busy time of one replica per whole second of virtual time, kept for the utilization window: the GPU
/// duty cycle NVML reports. An engine step is recorded when it starts and may run into later seconds.
/// </summary>
internal sealed class BusyMeter(int windowSeconds)
{
    // Busy seconds per whole second, a ring one longer than the window so the newest second can fill.
    private readonly double[] _busy = new double[windowSeconds + 2];
    private long _newest = -1;

    /// <summary>Records the interval [start, end) as busy.</summary>
    public void Add(double start, double end)
    {
        for (var second = (long)Math.Floor(start + 1e-9); second < end - 1e-9; second++)
        {
            Touch(second);
            var from = Math.Max(start, second);
            var to = Math.Min(end, second + 1);
            if (to > from)
            {
                _busy[second % _busy.Length] += to - from;
            }
        }
    }

    /// <summary>Busy fraction over the last <paramref name="window"/> whole seconds before <paramref name="now"/>, counting only time since <paramref name="since"/>.</summary>
    public double Utilization(double now, double since, int window)
    {
        var end = (long)Math.Floor(now + 1e-9);
        var start = Math.Max((long)Math.Ceiling(since - 1e-9), end - Math.Min(window, _busy.Length - 2));
        if (end <= start)
        {
            return 0;
        }

        double busy = 0;
        for (var s = start; s < end; s++)
        {
            busy += s <= _newest && s > _newest - _busy.Length ? _busy[s % _busy.Length] : 0;
        }

        return Math.Min(1, busy / (end - start));
    }

    // Clears the seconds between the newest recorded one and this one before writing into it.
    private void Touch(long second)
    {
        if (second <= _newest)
        {
            return;
        }

        for (var s = Math.Max(_newest + 1, second - _busy.Length + 1); s <= second; s++)
        {
            _busy[s % _busy.Length] = 0;
        }

        _newest = second;
    }
}
