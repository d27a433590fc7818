using Scaler.Signals.InferenceServer;

namespace Scaler.Tests.Signals.InferenceServer;

/// <summary>Work counters kept monotonic across pods that restart, come and go; arrivals from consecutive scrapes.</summary>
public class WorkTotalsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private static WorkFigures Figures(double finished, double running = 0, double waiting = 0) =>
        new(finished, finished * 1000, finished * 100, running, waiting, 0.2, finished * 2, finished * 99);

    [Fact]
    public void Update_FirstSight_IsABaselineNotNewWork()
    {
        var totals = new WorkTotals();

        // A pod that served 500 requests before the Scaler first saw it.
        var first = totals.Update(T0, [("a", Figures(500))], ["a"]);
        var second = totals.Update(T0.AddSeconds(2), [("a", Figures(510))], ["a"]);

        Assert.Equal(0, first.Requests);
        Assert.Equal(10, second.Requests);
        Assert.Equal(10_000, second.PromptTokens);
        Assert.Equal(20, second.InterTokenSeconds);
    }

    [Fact]
    public void Update_PodRestartsAndPodsComeAndGo_TotalsNeverGoDown()
    {
        var totals = new WorkTotals();
        totals.Update(T0, [("a", Figures(100)), ("b", Figures(40))], ["a", "b"]);
        totals.Update(T0.AddSeconds(2), [("a", Figures(110)), ("b", Figures(45))], ["a", "b"]);

        // a restarted (its counter began again from 0 and is now 3); b left; c is new.
        var after = totals.Update(T0.AddSeconds(4), [("a", Figures(3)), ("c", Figures(7))], ["a", "c"]);
        var later = totals.Update(T0.AddSeconds(6), [("a", Figures(8)), ("c", Figures(9))], ["a", "c"]);

        Assert.Equal(10 + 5 + 3, after.Requests);
        Assert.Equal(18 + 5 + 2, later.Requests);
    }

    [Fact]
    public void Update_RunningAndWaiting_SummedKvAveraged()
    {
        var totals = new WorkTotals();

        var snapshot = totals.Update(T0, [("a", Figures(1, 4, 1) with { KvCacheUse = 0.2 }), ("b", Figures(1, 6, 2) with { KvCacheUse = 0.6 })], ["a", "b"]);

        Assert.Equal((10.0, 3.0), (snapshot.Running, snapshot.Waiting));
        Assert.Equal(0.4, snapshot.KvCacheUse!.Value, 9);
    }

    [Fact]
    public void Update_BurstBetweenScrapes_ArrivalPeakCountsIt()
    {
        var totals = new WorkTotals();
        WorkSnapshot? snapshot = null;
        var finished = 0.0;
        for (var i = 0; i < 40; i++)
        {
            // A steady trickle: one request finishes per half second, nothing held; at 10 s, 30 arrive at once.
            finished += 1;
            var held = i == 20 ? 30 : 0;
            snapshot = totals.Update(T0.AddSeconds(i * 0.5), [("a", Figures(finished, running: held))], ["a"]);
        }

        // 30 held plus the one finished in that half second; the trickle adds the rest of the two seconds.
        Assert.InRange(snapshot!.ArrivalPeak, 31, 34);
    }

    [Fact]
    public void Update_PodSkipsAScrape_ItsRequestsAreNotCountedAsArrivals()
    {
        var totals = new WorkTotals();
        totals.Update(T0, [("a", Figures(10, 20)), ("b", Figures(10, 20))], ["a", "b"]);
        totals.Update(T0.AddSeconds(0.5), [("a", Figures(10, 20))], ["a", "b"]);

        var back = totals.Update(T0.AddSeconds(1), [("a", Figures(10, 20)), ("b", Figures(10, 20))], ["a", "b"]);

        Assert.Equal(0, back.ArrivalPeak);
    }
}
