using System.Collections.Concurrent;
using Scaler.FrontDoors.Keda;
using Scaler.Triggers;

namespace Scaler.FrontDoors.Page;

/// <summary>
/// Every trigger's recent history for the page, recorded from the KEDA door's decisions as they are made
/// (<see cref="KedaDecisions.Decided"/>). A trigger the door stops deciding for is forgotten after
/// <see cref="KedaDecisions.ForgetAfter"/>, as the door forgets it.
/// </summary>
internal sealed class DecisionHistory : IDisposable
{
    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<TriggerId, TriggerHistory> _triggers = new();
    private readonly KedaDecisions _decisions;
    private readonly TimeProvider _time;
    private long _nextSweepTicks;

    public DecisionHistory(KedaDecisions decisions, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        _decisions = decisions;
        _time = time;
        _decisions.Decided += Record;
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
        var now = _time.GetUtcNow().UtcTicks;
        var next = Interlocked.Read(ref _nextSweepTicks);
        if (now >= next && Interlocked.CompareExchange(ref _nextSweepTicks, now + SweepEvery.Ticks, next) == next)
        {
            Forget(now - ForgetAfter.Ticks);
        }
    }

    public void Dispose() => _decisions.Decided -= Record;

    private void Forget(long cutoff)
    {
        foreach (var (id, history) in _triggers)
        {
            if (history.Last is { } last && last.Decision.At.UtcTicks < cutoff)
            {
                _triggers.TryRemove(new KeyValuePair<TriggerId, TriggerHistory>(id, history));
            }
        }
    }
}
