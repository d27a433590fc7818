using Microsoft.Extensions.Time.Testing;
using Scaler.Demo;

namespace Scaler.Tests.Demo;

public sealed class AcceleratedTimeProviderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void GetUtcNow_RealSecondPasses_SpeedSecondsPass()
    {
        var real = new FakeTimeProvider(T0);
        var clock = new AcceleratedTimeProvider(10, real);

        real.Advance(TimeSpan.FromSeconds(1.5));

        Assert.Equal(T0.AddSeconds(15), clock.GetUtcNow());
    }

    [Fact]
    public void GetElapsedTime_MeasuresDemoTime()
    {
        var real = new FakeTimeProvider(T0);
        var clock = new AcceleratedTimeProvider(20, real);
        var start = clock.GetTimestamp();

        real.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(TimeSpan.FromMinutes(1), clock.GetElapsedTime(start));
    }

    [Fact]
    public async Task Delay_DemoDuration_TakesItDividedBySpeed()
    {
        var real = new FakeTimeProvider(T0);
        var clock = new AcceleratedTimeProvider(10, real);

        var delay = Task.Delay(TimeSpan.FromSeconds(30), clock);
        real.Advance(TimeSpan.FromSeconds(2.9));
        Assert.False(delay.IsCompleted);
        real.Advance(TimeSpan.FromSeconds(0.1));

        await delay.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Timer_ChangedPeriod_ScaledToo()
    {
        var real = new FakeTimeProvider(T0);
        var clock = new AcceleratedTimeProvider(5, real);
        var fired = 0;
        using var timer = clock.CreateTimer(_ => fired++, null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

        timer.Change(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        real.Advance(TimeSpan.FromSeconds(2));
        real.Advance(TimeSpan.FromSeconds(2));
        real.Advance(TimeSpan.FromSeconds(1.9));

        // Demo 10 s every demo 10 s: real 2 s, 4 s; not yet the third at 5.9 s.
        Assert.Equal(2, fired);
    }

    [Theory]
    // Infinite stays infinite (a disabled timer), zero stays zero (at once).
    [InlineData(-1, -1)]
    [InlineData(0, 0)]
    // The smallest positive duration never becomes zero.
    [InlineData(1, 1)]
    [InlineData(10_000_000, 1_000_000)]
    public void ToReal_Durations(long demoTicks, long realTicks)
    {
        var clock = new AcceleratedTimeProvider(10, new FakeTimeProvider(T0));

        var real = clock.ToReal(demoTicks == -1 ? Timeout.InfiniteTimeSpan : TimeSpan.FromTicks(demoTicks));

        Assert.Equal(realTicks == -1 ? Timeout.InfiniteTimeSpan : TimeSpan.FromTicks(realTicks), real);
    }
}
