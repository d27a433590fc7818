namespace Scaler.Signals.InferenceServer;

/// <summary>
/// One workload's work figures across scrapes: counters kept monotonic over restarts and pods that come and
/// go, and the arrival peak of the last minute. A pod's counters count from the first scrape that sees it
/// (what it did before is not new work); a counter that goes down restarted from zero, so its new value is
/// all new; a pod that leaves keeps what it contributed. Arrivals between two scrapes are the requests that
/// finished plus the change in what the pods hold. Not thread-safe: the source serializes updates.
/// </summary>
internal sealed class WorkTotals
{
    /// <summary>How far back the arrival peak looks.</summary>
    public static readonly TimeSpan PeakLookback = TimeSpan.FromMinutes(1);

    /// <summary>The window of one burst.</summary>
    public static readonly TimeSpan PeakWindow = TimeSpan.FromSeconds(2);

    private readonly Dictionary<string, WorkFigures> _last = new(StringComparer.Ordinal);
    private readonly Queue<(DateTimeOffset At, double Arrivals)> _arrivals = new();
    private double _requests;
    private double _prompt;
    private double _generated;
    private double _itlSeconds;
    private double _itlCount;
    private double? _lastInFlight;
    private double _lastRequests;
    private HashSet<string> _lastAnswered = new(StringComparer.Ordinal);

    /// <summary>The figures after the last update, or null before the first.</summary>
    public WorkSnapshot? Last { get; private set; }

    /// <summary>
    /// Folds in one scrape at <paramref name="now"/>: the figures of the pods that answered, and the names
    /// of every pod still in the workload (the others are forgotten).
    /// </summary>
    public WorkSnapshot Update(DateTimeOffset now, IReadOnlyList<(string Pod, WorkFigures Figures)> answered, IReadOnlyCollection<string> present)
    {
        ArgumentNullException.ThrowIfNull(answered);
        ArgumentNullException.ThrowIfNull(present);
        double running = 0, waiting = 0, kvSum = 0;
        var kvPods = 0;
        var itlKnown = answered.Count > 0;
        foreach (var (pod, figures) in answered)
        {
            _last.TryGetValue(pod, out var before);
            var seen = _last.ContainsKey(pod);
            _requests += Increase(seen, before.Requests, figures.Requests);
            _prompt += Increase(seen, before.PromptTokens, figures.PromptTokens);
            _generated += Increase(seen, before.GenerationTokens, figures.GenerationTokens);
            _itlSeconds += Increase(seen, before.InterTokenSeconds, figures.InterTokenSeconds);
            _itlCount += Increase(seen, before.InterTokenCount, figures.InterTokenCount);
            _last[pod] = figures;
            running += figures.Running ?? 0;
            waiting += figures.Waiting ?? 0;
            itlKnown &= figures.InterTokenCount is not null;
            if (figures.KvCacheUse is { } kv)
            {
                kvSum += kv;
                kvPods++;
            }
        }

        foreach (var gone in _last.Keys.Where(p => !present.Contains(p)).ToList())
        {
            _last.Remove(gone);
        }

        // Arrivals since the last scrape, for the burst peak; only between two scrapes of the same pods, or a
        // pod that skipped one answer would count what it holds as new arrivals.
        var inFlight = running + waiting;
        var answeredNow = answered.Select(a => a.Pod).ToHashSet(StringComparer.Ordinal);
        if (_lastInFlight is { } heldBefore && answeredNow.SetEquals(_lastAnswered))
        {
            _arrivals.Enqueue((now, Math.Max(0, _requests - _lastRequests + inFlight - heldBefore)));
        }

        _lastInFlight = inFlight;
        _lastRequests = _requests;
        _lastAnswered = answeredNow;
        while (_arrivals.Count > 0 && _arrivals.Peek().At <= now - PeakLookback)
        {
            _arrivals.Dequeue();
        }

        Last = new WorkSnapshot(now, _requests, _prompt, _generated, running, waiting,
            kvPods > 0 ? kvSum / kvPods : null, Peak(), itlKnown ? _itlSeconds : null, itlKnown ? _itlCount : null)
        {
            Pods = [.. answered.OrderBy(a => a.Pod, StringComparer.Ordinal)],
        };
        return Last;
    }

    // A counter's increase since the pod's last scrape: nothing at first sight, all of it after a restart.
    private static double Increase(bool seen, double? before, double? now) =>
        now is not { } value || !seen ? 0
        : before is { } previous && value >= previous ? value - previous
        : value;

    // The most arrivals within any window of PeakWindow, over scrapes (a coarser scrape makes a coarser peak).
    private double Peak()
    {
        var samples = _arrivals.ToArray();
        double peak = 0, sum = 0;
        var start = 0;
        for (var i = 0; i < samples.Length; i++)
        {
            sum += samples[i].Arrivals;
            while (samples[i].At - samples[start].At >= PeakWindow)
            {
                sum -= samples[start++].Arrivals;
            }

            peak = Math.Max(peak, sum);
        }

        return peak;
    }
}
