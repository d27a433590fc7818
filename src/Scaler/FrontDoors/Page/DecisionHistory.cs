using System.Collections.Concurrent;
using Scaler.FrontDoors.Keda;
using Scaler.Triggers;

namespace Scaler.FrontDoors.Page;

/// <summary>
/// Every trigger's recent history for the page, recorded from the KEDA door's decisions as they are made
/// (<see cref="KedaDecisions.Decided"/>). A trigger is forgotten here when the door forgets it
/// (<see cref="KedaDecisions.Forgotten"/>: not asked about for <see cref="KedaDecisions.ForgetAfter"/>), so its
/// history's memory goes with its state.
/// </summary>
internal sealed class DecisionHistory : IDisposable
{
    private readonly ConcurrentDictionary<TriggerId, TriggerHistory> _triggers = new();
    private readonly KedaDecisions _decisions;

    public DecisionHistory(KedaDecisions decisions)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        _decisions = decisions;
        _decisions.Decided += Record;
        _decisions.Forgotten += Forget;
    }

    /// <summary>Every trigger with at least one decision.</summary>
    public IEnumerable<TriggerHistory> Triggers => _triggers.Values.Where(t => t.Last is not null);

    /// <summary>The triggers of one ScaledObject, by metric name.</summary>
    public IReadOnlyList<TriggerHistory> Of(ScaledObjectKey scaledObject) =>
        [.. Triggers.Where(t => t.Id.ScaledObject == scaledObject).OrderBy(t => t.Id.MetricName, StringComparer.Ordinal)];

    /// <summary>How long a trigger nobody asks about is kept: as long as the decisions keep its state.</summary>
    public TimeSpan ForgetAfter => _decisions.ForgetAfter;

    public void Record(DecisionMade made)
    {
        ArgumentNullException.ThrowIfNull(made);
        _triggers.GetOrAdd(TriggerId.Of(made.Trigger), static id => new TriggerHistory(id)).Record(made);
    }

    public void Dispose()
    {
        _decisions.Decided -= Record;
        _decisions.Forgotten -= Forget;
    }

    private void Forget(TriggerId trigger) => _triggers.TryRemove(trigger, out _);
}
