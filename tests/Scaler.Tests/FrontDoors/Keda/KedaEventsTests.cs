using System.Collections.Immutable;
using System.Text;
using Scaler.Decisions;
using Scaler.FrontDoors.Keda;
using Scaler.Triggers;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>Which events a trigger's decision change yields (pure).</summary>
public sealed class KedaEventsTests
{
    private static readonly ScaledObjectKey Vllm = new("llm", "vllm");

    /// <summary>A decision asking for <paramref name="desired"/> with <paramref name="current"/> replicas running.</summary>
    internal const string Metric = "scaler-llm-vllm-0a1b2c3d";

    internal static Decision Decided(int desired, int current = 2, bool cannotDecide = false, int? fallbackTo = null, double pending = double.NaN)
    {
        var value = double.IsNaN(pending) ? desired * 5.0 : pending;
        ImmutableArray<AppliedRule> rules = fallbackTo is { } f ? [new AppliedRule(Rule.Fallback, current, f, "pending-requests unknown beyond staleness limit")] : [];
        var verdict = cannotDecide || fallbackTo is not null
            ? new SignalExplanation("pending-requests", SignalRole.Demand, SignalStatus.Unavailable, double.NaN, false, null, "prometheus unreachable")
            : new SignalExplanation("pending-requests", SignalRole.Demand, SignalStatus.Fresh, value, true, desired, "");
        var explanation = new Explanation(current, current, verdict.Known ? "pending-requests" : null, desired, desired, [verdict], rules);
        return new Decision(desired, Activity.Active, explanation, EngineState.Initial) { CannotDecide = cannotDecide, At = DecisionsHarness.T0 };
    }

    [Theory]
    // 2 -> 4: up.
    [InlineData(2, 4, "ScaledUp")]
    // 4 -> 2: down.
    [InlineData(4, 2, "ScaledDown")]
    // 0 -> 1: from zero.
    [InlineData(0, 1, "Activated")]
    // 3 -> 0: to zero.
    [InlineData(3, 0, "ScaledToZero")]
    public void For_DesiredCountChanged_OneNormalScaleEventWithFromToAndDriver(int from, int to, string reason)
    {
        var item = Assert.Single(KedaEvents.For(new DecisionChange(new TriggerId(Vllm, Metric), Decided(from), Decided(to))));

        Assert.Equal((KedaEvents.Normal, reason, KedaEvents.ScaleAction), (item.Type, item.Reason, item.Action));
        Assert.StartsWith($"Desired replicas {from} -> {to} for trigger scaler-llm-vllm-0a1b2c3d: desired {to}", item.Note, StringComparison.Ordinal);
        Assert.Contains("driven by pending-requests", item.Note, StringComparison.Ordinal);
        Assert.Equal((Vllm, "scaler-llm-vllm-0a1b2c3d"), (item.ScaledObject, item.MetricName));
    }

    [Fact]
    public void For_SameChangeWithOtherValues_SameSummary()
    {
        var first = Assert.Single(KedaEvents.For(new DecisionChange(new TriggerId(Vllm, Metric), Decided(2), Decided(4, pending: 17))));
        var second = Assert.Single(KedaEvents.For(new DecisionChange(new TriggerId(Vllm, Metric), Decided(2), Decided(4, pending: 19))));

        Assert.NotEqual(first.Note, second.Note);
        Assert.Equal(first.Summary, second.Summary);
    }

    [Theory]
    // First decision of a trigger asking for what runs: a restarted Scaler says nothing.
    [InlineData(2, 2, 0)]
    // First decision asking for more than runs: told.
    [InlineData(2, 5, 1)]
    public void For_FirstDecision_ComparedWithTheRunningReplicas(int running, int desired, int events)
    {
        Assert.Equal(events, KedaEvents.For(new DecisionChange(new TriggerId(Vllm, Metric), null, Decided(desired, current: running))).Count());
    }

    [Fact]
    public void For_RejectedMetadata_WarningWithEveryProblemCutToTheNoteLimit()
    {
        var few = KedaEvents.For(new MetadataRejection(Vllm, ["minReplicas: expected a whole number >= 0, got '-1'", "scaleUpLimit: expected none or N/duration, got 'x'"]));
        Assert.Equal((KedaEvents.Warning, KedaEvents.InvalidMetadata, KedaEvents.ValidateAction, ""), (few.Type, few.Reason, few.Action, few.MetricName));
        Assert.EndsWith("(2 problems): minReplicas: expected a whole number >= 0, got '-1'; scaleUpLimit: expected none or N/duration, got 'x'", few.Note, StringComparison.Ordinal);
        Assert.Equal("minReplicas: expected a whole number >= 0, got '-1'; scaleUpLimit: expected none or N/duration, got 'x'", few.Summary);

        var many = KedaEvents.For(new MetadataRejection(Vllm, [.. Enumerable.Range(0, 60).Select(i => $"key{i}: expected a number, got 'x'")]));
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(many.Note), 1000, KedaEvents.MaxNoteBytes);
        Assert.Contains("(60 problems): key0:", many.Note, StringComparison.Ordinal);
        Assert.EndsWith("...", many.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void For_EnteringCannotDecide_OneWarningAndNoScaleEvent()
    {
        var item = Assert.Single(KedaEvents.For(new DecisionChange(new TriggerId(Vllm, Metric), Decided(4), Decided(2, cannotDecide: true))));

        Assert.Equal((KedaEvents.Warning, KedaEvents.CannotDecide, KedaEvents.DecideAction), (item.Type, item.Reason, item.Action));
        Assert.Contains("UNAVAILABLE", item.Note, StringComparison.Ordinal);
        Assert.Contains("pending-requests unknown", item.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void For_StillCannotDecide_NothingMore()
    {
        Assert.Empty(KedaEvents.For(new DecisionChange(new TriggerId(Vllm, Metric), Decided(2, cannotDecide: true), Decided(2, cannotDecide: true))));
    }

    [Fact]
    public void For_EnteringFallback_WarningAndTheScaleEvent()
    {
        var items = KedaEvents.For(new DecisionChange(new TriggerId(Vllm, Metric), Decided(2), Decided(3, fallbackTo: 3))).ToList();

        Assert.Equal([KedaEvents.FallbackActive, KedaEvents.ScaledUp], items.Select(i => i.Reason));
        Assert.Equal(KedaEvents.Warning, items[0].Type);
        Assert.StartsWith("Fallback to 3 replicas for trigger scaler-llm-vllm-0a1b2c3d (pending-requests unknown beyond staleness limit)", items[0].Note, StringComparison.Ordinal);
        Assert.Empty(KedaEvents.For(new DecisionChange(new TriggerId(Vllm, Metric), Decided(3, fallbackTo: 3), Decided(3, fallbackTo: 3))));
    }

    [Theory]
    // ASCII far over the limit.
    [InlineData("x", 5000)]
    // Two-byte characters: the cut never splits one.
    [InlineData("é", 1000)]
    // Surrogate pairs (4 bytes): never split.
    [InlineData("🚀", 400)]
    public void Note_LongerThanOneKibibyte_CutOnACharacterBoundaryWithinTheLimit(string unit, int repeat)
    {
        var note = KedaEvents.Note(string.Concat(Enumerable.Repeat(unit, repeat)));

        Assert.InRange(Encoding.UTF8.GetByteCount(note), KedaEvents.MaxNoteBytes - 4, KedaEvents.MaxNoteBytes);
        Assert.EndsWith("...", note, StringComparison.Ordinal);
        Assert.DoesNotContain('\uFFFD', Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(note)));
        Assert.False(char.IsHighSurrogate(note[^4]));
    }
}
