using Scaler.Decisions;
using Scaler.FrontDoors.Keda;

namespace Scaler.FrontDoors.Page;

/// <summary>
/// The last hour of one trigger in bounded ring buffers: one sample of the counts and of each signal per
/// <see cref="SampleInterval"/> (the last decision in the interval), and the last <see cref="TimelineLength"/>
/// decisions that changed the count, activity, "cannot decide" or fallback. About 4 KiB per series plus the
/// timeline's explanations (docs/page.md gives the measured total).
/// </summary>
internal sealed class TriggerHistory(TriggerId id)
{
    /// <summary>One sample per this much time.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(15);

    /// <summary>How far back the samples go.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);

    /// <summary>Decisions kept in the timeline.</summary>
    public const int TimelineLength = 50;

    /// <summary>Signals kept per trigger; a trigger has a handful, this only bounds the worst case.</summary>
    public const int MaxSignals = 16;

    private static readonly int Slots = (int)(Window / SampleInterval);

    private readonly Lock _lock = new();
    private readonly RingBuffer<ReplicaSample> _replicas = new(Slots);
    private readonly Dictionary<string, RingBuffer<SignalSample>> _signals = new(StringComparer.Ordinal);
    private readonly RingBuffer<TimelineEntry> _timeline = new(TimelineLength);
    private DecisionMade? _last;

    public TriggerId Id { get; } = id;

    /// <summary>The last decision recorded; null before the first.</summary>
    public DecisionMade? Last => Volatile.Read(ref _last);

    public void Record(DecisionMade made)
    {
        ArgumentNullException.ThrowIfNull(made);
        var decision = made.Decision;
        var at = decision.At.UtcTicks;
        lock (_lock)
        {
            var previous = _last?.Decision;
            var explanation = decision.Explanation;
            Put(_replicas, new ReplicaSample(at, Clamp(decision.DesiredReplicas), Clamp(explanation.Current), Clamp(explanation.Ready), decision.Activity, decision.CannotDecide, decision.InFallback), at);
            foreach (var signal in explanation.Signals)
            {
                if (!_signals.TryGetValue(signal.Name, out var series))
                {
                    if (_signals.Count >= MaxSignals)
                    {
                        continue;
                    }

                    _signals[signal.Name] = series = new RingBuffer<SignalSample>(Slots);
                }

                Put(series, new SignalSample(at, (float)signal.Value, signal.Proposal is { } p ? Clamp(p) : (short)-1, signal.Status, signal.Known), at);
            }

            if (previous is null || previous.DesiredReplicas != decision.DesiredReplicas || previous.Activity != decision.Activity
                || previous.CannotDecide != decision.CannotDecide || previous.InFallback != decision.InFallback)
            {
                _timeline.Add(new TimelineEntry(decision.At, previous?.DesiredReplicas, decision.DesiredReplicas, explanation.Current, explanation.Ready,
                    decision.Activity, decision.CannotDecide, decision.InFallback, [.. explanation.Rules.Select(r => Explanation.Name(r.Rule))], decision.Reason));
            }

            Volatile.Write(ref _last, made);
        }
    }

    /// <summary>A copy for rendering; null before the first decision.</summary>
    public TriggerSnapshot? Snapshot()
    {
        lock (_lock)
        {
            if (_last is not { } last)
            {
                return null;
            }

            var signals = last.Decision.Explanation.Signals
                .Where(s => _signals.ContainsKey(s.Name))
                .Select(s => new SignalHistory(s.Name, s.Role, _signals[s.Name].ToArray()))
                .ToList();
            var timeline = _timeline.ToArray();
            Array.Reverse(timeline);
            return new TriggerSnapshot(Id, last, _replicas.ToArray(), signals, timeline);
        }
    }

    /// <summary>The counts only (for the list's small charts).</summary>
    public ReplicaSample[] ReplicaSamples()
    {
        lock (_lock)
        {
            return _replicas.ToArray();
        }
    }

    // The last decision of a sample interval stands for it; a new interval takes a new slot.
    private static void Put<T>(RingBuffer<T> ring, T sample, long at)
        where T : struct, ITimedSample
    {
        if (ring.Count > 0 && ring.Last.AtTicks / SampleInterval.Ticks == at / SampleInterval.Ticks)
        {
            ring.ReplaceLast(sample);
        }
        else
        {
            ring.Add(sample);
        }
    }

    private static short Clamp(int count) => (short)Math.Clamp(count, short.MinValue, short.MaxValue);
}
