using Scaler.Decisions;
using Scaler.Signals;

namespace Scaler.Tests.Signals.Core;

/// <summary>The aging of a key's readings, pure: what is served while its source fails.</summary>
public sealed class ReadingHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Snapshot_SourceFailingAfterAPerPodReading_StaleWithTheSamePodsAndTheirTime()
    {
        PodValue[] pods = [new("vllm-0", 30), new("vllm-1", 20)];
        var history = ReadingHistory.Initial.Apply(Reading.Fresh(50, T0) with { PerPod = pods }, T0).Next
            .Apply(Reading.Unavailable(ReadFailure.Connection, "connection refused"), T0.AddSeconds(2)).Next;

        var stale = history.Snapshot(T0.AddSeconds(2), new SignalSourceOptions());
        var gone = history.Snapshot(T0.AddSeconds(61), new SignalSourceOptions());

        // Served with the time it was read, so a consumer sees how old each pod's value is.
        Assert.Equal((SignalStatus.Stale, 50.0, (DateTimeOffset?)T0), (stale.Status, stale.Value, stale.ObservedAt));
        Assert.Equal(pods, stale.PerPod);
        Assert.Equal(SignalStatus.Unavailable, gone.Status);
        Assert.Null(gone.PerPod);
    }
}
