namespace Scaler.Signals;

/// <summary>
/// When a key refreshes next: its interval (start to start), shortened by a random share of up to
/// <see cref="ReadingCacheOptions.RefreshJitter"/> so keys started together spread out, and rounded down to
/// <see cref="DueGrid"/>. Never later than the interval.
/// </summary>
internal sealed class RefreshSchedule(double jitter, Random random)
{
    /// <summary>Refresh times are rounded down to this grid (see <see cref="OnGrid"/>); well under the shortest interval (50 ms).</summary>
    public static readonly TimeSpan DueGrid = TimeSpan.FromMilliseconds(20);

    private readonly Lock _gate = new();

    /// <summary>The wait before the next refresh: <paramref name="interval"/> shortened by <paramref name="jitter"/> (a share of it).</summary>
    public static TimeSpan NextDelay(TimeSpan interval, double jitter) => TimeSpan.FromTicks((long)(interval.Ticks * (1 - jitter)));

    /// <summary>
    /// <paramref name="due"/> rounded down to a <see cref="DueGrid"/> boundary: keys that fall due within the same
    /// few milliseconds wake the thread pool once between them, instead of one wake-up (and one spin) each,
    /// which is what spreading the keys out would otherwise cost in idle CPU. Never later than asked.
    /// </summary>
    public static DateTimeOffset OnGrid(DateTimeOffset due) => new(due.UtcTicks - (due.UtcTicks % DueGrid.Ticks), TimeSpan.Zero);

    /// <summary>The time of the next refresh of a key whose last one started at <paramref name="started"/>.</summary>
    public static DateTimeOffset Due(DateTimeOffset started, TimeSpan interval, double jitter) => OnGrid(started + NextDelay(interval, jitter));

    /// <summary>A new share of jitter for one wait (drawn once per wait, so re-measuring after a watch change keeps it).</summary>
    public double NextJitter()
    {
        if (jitter <= 0)
        {
            return 0;
        }

        lock (_gate)
        {
            return jitter * random.NextDouble();
        }
    }
}
