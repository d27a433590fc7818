using System.Globalization;

namespace Scaler.Simulation;

/// <summary>
/// How old a value is when a policy reads it: a chain of periodic samplers (an exporter's collection, a
/// Prometheus scrape, the Scaler's refresh), each holding the value its upstream had at its last sample.
/// A zero interval passes values through at once.
/// </summary>
/// <param name="Interval">How often this stage samples.</param>
/// <param name="Phase">Offset of the sampling instants from time 0 (they fall at Phase + k × Interval).</param>
/// <param name="Upstream">The stage this one samples, if any.</param>
internal sealed record SignalAge(TimeSpan Interval, TimeSpan Phase, SignalAge? Upstream = null)
{
    public static SignalAge Instant { get; } = new(TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>
    /// Sampled every <paramref name="interval"/> at 7.5 s past the 15 s decision grid: for intervals that
    /// divide or are multiples of 15 s, the age at decision instants then averages half an interval.
    /// </summary>
    public static SignalAge Every(TimeSpan interval, SignalAge? upstream = null) => new(interval, TimeSpan.FromSeconds(7.5), upstream);

    /// <summary>The instant whose state a read at <paramref name="now"/> (seconds) sees.</summary>
    public double SampleTime(double now)
    {
        var at = now;
        if (Interval > TimeSpan.Zero)
        {
            var interval = Interval.TotalSeconds;
            var phase = Phase.TotalSeconds;
            at = (Math.Floor(((now - phase) / interval) + 1e-9) * interval) + phase;
        }

        return Upstream is null ? at : Upstream.SampleTime(at);
    }

    /// <summary>The oldest a value can be.</summary>
    public TimeSpan MaxAge => Interval + (Upstream?.MaxAge ?? TimeSpan.Zero);

    public override string ToString()
    {
        if (Interval <= TimeSpan.Zero && Upstream is null)
        {
            return "instant";
        }

        var own = string.Create(CultureInfo.InvariantCulture, $"every {Interval.TotalSeconds:0.#} s");
        return Upstream is null ? own : $"{own} of a value collected {Upstream}";
    }
}
