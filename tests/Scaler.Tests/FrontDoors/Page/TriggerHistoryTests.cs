using Scaler.Decisions;
using Scaler.FrontDoors.Keda;
using Scaler.FrontDoors.Page;

namespace Scaler.Tests.FrontDoors.Page;

public sealed class TriggerHistoryTests
{
    private static readonly DateTimeOffset T0 = PageDecisions.T0;

    [Fact]
    public void Record_SeveralDecisionsInOneInterval_OneSampleHoldingTheLast()
    {
        var decisions = new PageDecisions();
        var trigger = PageDecisions.Trigger();
        var history = new TriggerHistory(TriggerId.Of(trigger));

        history.Record(decisions.Decide(trigger, T0, pending: 10, current: 1));
        history.Record(decisions.Decide(trigger, T0.AddSeconds(5), pending: 20, current: 2));
        history.Record(decisions.Decide(trigger, T0.AddSeconds(15), pending: 30, current: 4));

        var snapshot = history.Snapshot()!;
        // 12:00:00 and 12:00:05 share an interval; 12:00:15 starts the next.
        Assert.Equal([4, 6], snapshot.Replicas.Select(s => (int)s.Desired));
        Assert.Equal([20f, 30f], snapshot.Signals.Single(s => s.Name == "pending-requests").Samples.Select(s => s.Value));
    }

    [Fact]
    public void Record_TwoHours_KeepsTheLastHourOnly()
    {
        var decisions = new PageDecisions();
        var trigger = PageDecisions.Trigger();
        var history = new TriggerHistory(TriggerId.Of(trigger));

        for (var t = 0; t < 7200; t += 15)
        {
            history.Record(decisions.Decide(trigger, T0.AddSeconds(t), pending: 5, current: 1));
        }

        var snapshot = history.Snapshot()!;
        var slots = (int)(TriggerHistory.Window / TriggerHistory.SampleInterval);
        Assert.Equal(slots, snapshot.Replicas.Length);
        Assert.Equal(T0.AddSeconds(7200 - 15).UtcTicks, snapshot.Replicas[^1].AtTicks);
        Assert.Equal(T0.AddSeconds(7200 - (slots * 15)).UtcTicks, snapshot.Replicas[0].AtTicks);
        Assert.All(snapshot.Signals, s => Assert.Equal(slots, s.Samples.Length));
    }

    [Fact]
    public void Record_Timeline_OnlyChangesNewestFirstAndBounded()
    {
        var decisions = new PageDecisions();
        var trigger = PageDecisions.Trigger();
        var history = new TriggerHistory(TriggerId.Of(trigger));

        // The same answer twice is one entry; each new count is another.
        history.Record(decisions.Decide(trigger, T0, pending: 10, current: 2));
        history.Record(decisions.Decide(trigger, T0.AddSeconds(20), pending: 10, current: 2));
        history.Record(decisions.Decide(trigger, T0.AddSeconds(40), pending: 30, current: 2));
        var three = history.Snapshot()!.Timeline;
        Assert.Equal(2, three.Length);
        Assert.Equal((2, 6), (three[0].From!.Value, three[0].Desired));
        Assert.Null(three[1].From);

        for (var i = 0; i < 200; i++)
        {
            history.Record(decisions.Decide(trigger, T0.AddSeconds(60 + i), pending: 5 * (1 + (i % 7)), current: 2));
        }

        Assert.Equal(TriggerHistory.TimelineLength, history.Snapshot()!.Timeline.Length);
    }

    [Fact]
    public void Record_SignalUnknown_SampleUnknownAndTimelineSaysCannotDecide()
    {
        var decisions = new PageDecisions();
        var trigger = PageDecisions.Trigger();
        var history = new TriggerHistory(TriggerId.Of(trigger));

        history.Record(decisions.Decide(trigger, T0, pending: 10, current: 2));
        history.Record(decisions.Decide(trigger, T0.AddSeconds(30), pending: null, current: 2, lastObserved: T0));

        var snapshot = history.Snapshot()!;
        var pending = snapshot.Signals.Single(s => s.Name == "pending-requests").Samples;
        Assert.False(pending[^1].Known);
        Assert.Equal(SignalStatus.Unavailable, pending[^1].Status);
        Assert.True(snapshot.Replicas[^1].CannotDecide);
        Assert.True(snapshot.Timeline[0].CannotDecide);
        Assert.Contains("connection refused", snapshot.Timeline[0].Explanation, StringComparison.Ordinal);
    }
}
