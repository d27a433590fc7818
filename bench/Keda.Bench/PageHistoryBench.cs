using System.Diagnostics;
using System.Globalization;
using Scaler.Decisions;
using Scaler.FrontDoors.Keda;
using Scaler.FrontDoors.Page;
using Scaler.Triggers;

namespace Keda.Bench;

/// <summary>
/// The page's cost (issue: "say the memory per trigger"): 1,000 triggers each with a full hour of history
/// (a decision every 5 s from the real engine, a load that changes every minute so the timeline fills), then
/// the managed memory they hold, and how long the list's first page and one workload's page take to render.
/// </summary>
internal static class PageHistoryBench
{
    public static void Run(int triggers)
    {
        var c = CultureInfo.InvariantCulture;
        var t0 = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var policy = new ScalingPolicy
        {
            Signals = [new SignalSpec("pending-requests", SignalKind.Total, SignalRole.Demand, 5), new SignalSpec("gpu-utilization", SignalKind.Average, SignalRole.Saturation, 0.7)],
            ScaleUp = new ScalingRules(TimeSpan.Zero, []),
            ScaleDown = new ScalingRules(TimeSpan.FromMinutes(1), []),
        };

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var histories = new List<TriggerHistory>(triggers);
        var explanationChars = 0L;
        for (var i = 0; i < triggers; i++)
        {
            var trigger = new Trigger(new ScaledObjectKey($"team-{i / 10:000}", $"model-{i:0000}"), policy, new Dictionary<string, Scaler.Signals.SignalQuery>(), $"scaler-team-{i / 10:000}-model-{i:0000}-0a1b2c3d");
            var history = new TriggerHistory(TriggerId.Of(trigger));
            var state = EngineState.Initial;
            var current = 1;
            for (var s = 0; s < 3600; s += 5)
            {
                var at = t0.AddSeconds(s);
                var pending = 5.0 * ((s / 60) % 7);
                var readings = new Dictionary<string, Reading>(StringComparer.Ordinal)
                {
                    ["pending-requests"] = Reading.Fresh(pending, at),
                    ["gpu-utilization"] = Reading.Fresh(0.8, at),
                };
                var decision = DecisionEngine.Decide(policy, new DecisionInput(at, new ReplicaCounts(current, current), readings), state);
                state = decision.State;
                current = Math.Max(1, decision.DesiredReplicas);
                history.Record(new DecisionMade(trigger, decision, readings));
            }

            explanationChars += history.Snapshot()!.Timeline.Sum(e => e.Explanation.Length);
            histories.Add(history);
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var perTrigger = (after - before) / (double)triggers;
        var snapshot = histories[0].Snapshot()!;
        Console.WriteLine(string.Create(c, $"page history: {triggers} triggers, each an hour of decisions every 5 s with 2 signals: {perTrigger / 1024:0.0} KiB per trigger ({(after - before) / 1024.0 / 1024:0.0} MiB in all), managed heap after a full collection"));
        Console.WriteLine(string.Create(c, $"  per trigger: {snapshot.Replicas.Length} count samples, {snapshot.Signals.Count} signal series of {snapshot.Signals[0].Samples.Length}, {snapshot.Timeline.Length} timeline entries averaging {explanationChars / (double)(triggers * snapshot.Timeline.Length):0} characters of explanation"));
        Console.WriteLine("  (this includes the last decision and its engine state, which the KEDA door holds anyway; a capacity-sizing explanation is about 3x longer, adding about 2 bytes x 50 entries x its extra characters)");

        var now = t0.AddSeconds(3600);
        var query = TriggerListQuery.From(null, "state", null);
        Time("list, first page of 100 of 1,000, sorted by state", 20, () => TriggerListPage.Render(histories, query, now).Length);
        Time("list, search matching 10", 20, () => TriggerListPage.Render(histories, TriggerListQuery.From("team-042", null, null), now).Length);
        Time("one workload's page", 50, () => WorkloadPage.Render(snapshot.Id.ScaledObject, [histories[0].Snapshot()!], now, TimeSpan.FromMinutes(15)).Length);
        GC.KeepAlive(histories);
    }

    private static void Time(string what, int rounds, Func<int> render)
    {
        var bytes = render();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < rounds; i++)
        {
            render();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  render {what}: {watch.Elapsed.TotalMilliseconds / rounds:0.0} ms, {bytes / 1024.0:0} KiB of HTML"));
    }
}
