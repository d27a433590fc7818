using System.Collections.Immutable;
using System.Globalization;

namespace Scaler.Decisions.Capacity;

/// <summary>
/// Capacity-aware sizing, one pure step of the engine (docs/decisions.md, "Capacity-aware sizing"): rates
/// and the request mix from the servers' counters, the learned profile, the replicas the queueing model
/// needs for the objective, standing capacity for the bursts of the look-back, and the saturation guards
/// that catch a wrong profile.
/// </summary>
internal static class CapacitySizing
{
    /// <summary>The name capacity sizing takes part under, as one more demand signal.</summary>
    public const string SignalName = "capacity";

    /// <summary>Window of the arrival rate and the request mix.</summary>
    public static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(60);

    /// <summary>How long a queue must stay past its limit before the guard acts.</summary>
    public static readonly TimeSpan QueuePersistence = TimeSpan.FromSeconds(10);

    /// <summary>Shortest interval that estimates the profile.</summary>
    public static readonly TimeSpan EstimationInterval = TimeSpan.FromSeconds(10);

    /// <summary>Window of one burst (the source's arrival peak is counted over it).</summary>
    public const double BurstWindowSeconds = 2;

    // An unreachable objective is sized to this multiple of the best reachable time to first token.
    private const double FloorMargin = 1.25;

    // Decoded tokens an interval needs before its mean step time counts.
    private const double MinimumTokens = 20;

    // Points closer than this replace the newest one (a dozen points hold the minute: little memory per workload).
    private static readonly TimeSpan PointSpacing = TimeSpan.FromSeconds(5);

    // The request mix follows finished requests with this weight per window.
    private const double MixWeight = 0.3;

    // Finished requests a window needs before it says anything about the mix.
    private const double MixMinimum = 3;

    public static CapacityAssessment Assess(CapacityPolicy policy, WorkSample sample, ReplicaCounts replicas, CapacityState state, int maxReplicas)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(state);
        var estimate = state.Estimate ?? ProfileEstimate.From(policy.Profile);
        state = state with { Estimate = estimate };
        if (!sample.HasCounters)
        {
            return new CapacityAssessment(false, double.NaN, null, null, false, "work signals unknown", state);
        }

        var point = new WorkPoint(sample.At, sample.Requests!.Value, sample.PromptTokens!.Value, sample.GenerationTokens!.Value,
            sample.Running!.Value, sample.InFlight, sample.KvCacheUse, replicas.Ready)
        {
            InterTokenSeconds = sample.InterTokenSeconds,
            InterTokenCount = sample.InterTokenCount,
        };
        state = Record(state, point);
        var active = sample.InFlight > 0;

        // 1. Rates: arrivals are finished requests plus the change in what the replicas hold.
        if (!TryRate(state.Points, point, RateWindow, out var lambda, out var finished, out var prompt, out var generated))
        {
            var early = Guard(policy, sample, replicas, state, out var guardNote, out state);
            return new CapacityAssessment(true, 0, null, early, active, Join("measuring the arrival rate", guardNote), state);
        }

        active |= lambda > 0;
        state = RecordBurst(state, sample, policy, lambda);

        // 2. The request mix, from the requests that finished in the window.
        if (finished >= MixMinimum)
        {
            state = state with
            {
                MeanPrompt = Blend(state.MeanPrompt, prompt / finished),
                MeanOutput = Blend(state.MeanOutput, Math.Max(1, generated / finished)),
            };
        }

        // 3. The profile, from the interval since the last estimate if every ready replica stayed busy.
        state = Estimate(state, point, policy);
        estimate = state.Estimate!;

        var guard = Guard(policy, sample, replicas, state, out var guardText, out state);
        if (state.MeanPrompt is not { } meanPrompt || state.MeanOutput is not { } meanOutput)
        {
            return new CapacityAssessment(true, 0, null, guard, active, Join(Invariant($"{lambda:0.##} req/s; waiting for finished requests to learn the mix"), guardText), state);
        }

        // 4. Replicas for the objective, with the profile one standard deviation on the slow side.
        var profile = estimate.Cautious(policy.Profile);

        // An objective below what one request takes alone cannot be bought with replicas: size to just above
        // the best reachable instead of asking for the maximum.
        var floor = QueueingModel.NoLoadTimeToFirstToken(profile, meanPrompt, meanOutput, policy.Percentile);
        var sizing = floor * FloorMargin > policy.TimeToFirstToken.TotalSeconds
            ? policy with { TimeToFirstToken = TimeSpan.FromSeconds(floor * FloorMargin) }
            : policy;
        var needed = QueueingModel.Replicas(profile, sizing, lambda, meanPrompt, meanOutput, maxReplicas);

        // 5. Standing capacity: the look-back's burst peak (at the coverage percentile) prefilled within the objective.
        var burst = BurstReplicas(policy, state, profile, lambda, meanPrompt, out var burstPeak);
        var required = Math.Max(needed, burst);
        int? proposal = double.IsPositiveInfinity(required) ? maxReplicas : (int)Math.Ceiling(required - 1e-6);

        var note = new System.Text.StringBuilder();
        note.Append(CultureInfo.InvariantCulture,
            $"{lambda:0.##} req/s × {meanPrompt:N0} prompt + {meanOutput:N0} output tokens -> {Replicas(needed)} replicas for p{policy.Percentile:0.##} TTFT <= {policy.TimeToFirstToken.TotalSeconds:0.##} s");
        note.Append(CultureInfo.InvariantCulture,
            $" (profile {estimate.Profile(policy.Profile).Describe()}, ±{estimate.PredictionError * 100:0}%, {estimate.Samples} intervals)");
        if (sizing != policy)
        {
            note.Append(CultureInfo.InvariantCulture, $"; objective below one request's own time ({floor:0.##} s with no queue): sized to {sizing.TimeToFirstToken.TotalSeconds:0.##} s");
        }

        if (burst > 0)
        {
            note.Append(CultureInfo.InvariantCulture, $"; bursts: {burstPeak:0} in 2 s (p{policy.BurstCoverage * 100:0} of {state.Bursts.Length} min) -> {Replicas(burst)}");
        }

        if (guardText.Length > 0)
        {
            note.Append("; ").Append(guardText);
        }

        return new CapacityAssessment(true, Math.Min(required, maxReplicas), proposal, guard, active, note.ToString(), state);
    }

    /// <summary>
    /// The saturation guards: KV-cache use past its limit, or a queue past its limit per ready replica for
    /// <see cref="QueuePersistence"/> (a burst that clears by itself is not a wrong profile), ask for replicas
    /// in proportion: the profile may be wrong, the servers are not.
    /// </summary>
    internal static int? Guard(CapacityPolicy policy, WorkSample sample, ReplicaCounts replicas, CapacityState state, out string note, out CapacityState next)
    {
        note = "";
        next = state;
        var ready = replicas.Ready;
        if (ready == 0)
        {
            next = state with { QueueSince = null };
            return null;
        }

        int? guard = null;
        var parts = new List<string>();
        if (sample.KvCacheUse is { } kv)
        {
            parts.Add(Invariant($"KV {kv * 100:0}%"));
            if (kv > policy.KvGuard)
            {
                guard = Math.Max(ready + 1, (int)Math.Ceiling(ready * kv / (policy.KvGuard - 0.1)));
            }
        }

        if (sample.Waiting is { } waiting && sample.Running is { } running)
        {
            var perReplica = waiting / ready;
            parts.Add(Invariant($"queue {perReplica:0.#}/replica"));
            var since = perReplica > policy.QueueGuard ? state.QueueSince ?? sample.At : (DateTimeOffset?)null;
            next = state with { QueueSince = since };
            if (since is { } from && sample.At - from >= QueuePersistence)
            {
                var byBacklog = (int)Math.Ceiling(ready * (running + waiting) / Math.Max(running, ready));
                guard = Math.Max(guard ?? 0, Math.Max(ready + 1, byBacklog));
            }
        }

        note = parts.Count == 0 ? "" : (guard is null ? "guard: " : "guard hot: ") + string.Join(", ", parts);
        return guard;
    }

    private static CapacityState Record(CapacityState state, WorkPoint point)
    {
        var points = state.Points;

        // A counter that went down means the source started over: rates restart from here.
        if (!points.IsEmpty && (point.Requests < points[^1].Requests || point.PromptTokens < points[^1].PromptTokens || point.GenerationTokens < points[^1].GenerationTokens))
        {
            return state with { Points = [point], IntervalStart = point };
        }

        if (!points.IsEmpty && point.At - points[^1].At < PointSpacing && points.Length > 1)
        {
            points = points.SetItem(points.Length - 1, point);
        }
        else
        {
            points = points.Add(point);
        }

        // Keep one point at or before the window's start, so the window is full.
        var cut = 0;
        while (cut + 1 < points.Length && points[cut + 1].At <= point.At - RateWindow)
        {
            cut++;
        }

        return state with { Points = points.RemoveRange(0, cut), IntervalStart = state.IntervalStart ?? point };
    }

    private static CapacityState RecordBurst(CapacityState state, WorkSample sample, CapacityPolicy policy, double lambda)
    {
        if (sample.ArrivalPeak is not { } peak || !(peak >= 0))
        {
            return state;
        }

        // Poisson arrivals at this rate bring about m + 3√m in the busiest two seconds of a minute.
        var expected = lambda * BurstWindowSeconds;
        var excess = Math.Max(0, peak - (expected + (3 * Math.Sqrt(expected)) + 1));
        var minute = sample.At.ToUnixTimeSeconds() / 60;
        var bursts = state.Bursts;
        bursts = !bursts.IsEmpty && bursts[^1].Minute == minute
            ? bursts.SetItem(bursts.Length - 1, new BurstPeak(minute, Math.Max(bursts[^1].Excess, excess)))
            : bursts.Add(new BurstPeak(minute, excess));
        var oldest = minute - (long)Math.Ceiling(policy.BurstLookback.TotalMinutes);
        return state with { Bursts = bursts.RemoveAll(b => b.Minute <= oldest) };
    }

    private static bool TryRate(ImmutableArray<WorkPoint> points, WorkPoint now, TimeSpan window, out double lambda, out double finished, out double prompt, out double generated)
    {
        lambda = finished = prompt = generated = 0;
        WorkPoint? start = null;
        foreach (var candidate in points)
        {
            if (candidate.At <= now.At - window || start is null)
            {
                start = candidate;
            }
        }

        if (start is not { } from || (now.At - from.At).TotalSeconds < 1)
        {
            return false;
        }

        var seconds = (now.At - from.At).TotalSeconds;
        finished = now.Requests - from.Requests;
        prompt = now.PromptTokens - from.PromptTokens;
        generated = now.GenerationTokens - from.GenerationTokens;
        lambda = Math.Max(0, finished + now.InFlight - from.InFlight) / seconds;
        return true;
    }

    private static CapacityState Estimate(CapacityState state, WorkPoint now, CapacityPolicy policy)
    {
        if (state.IntervalStart is not { } start || now.At - start.At < EstimationInterval)
        {
            return state;
        }

        var seconds = (now.At - start.At).TotalSeconds;
        var estimate = state.Estimate!;
        var ready = now.Ready;
        if (start.InterTokenSeconds is { } sumFrom && now.InterTokenSeconds is { } sumTo &&
            start.InterTokenCount is { } countFrom && now.InterTokenCount is { } countTo &&
            countTo - countFrom >= MinimumTokens && sumTo >= sumFrom && ready > 0 && start.Ready == ready)
        {
            // The mean step time, and what a step held: the batch plus the prompt tokens arriving meanwhile.
            var step = (sumTo - sumFrom) / (countTo - countFrom);
            var batch = (start.Running + now.Running) / 2 / ready;
            var promptPerSecond = (now.PromptTokens - start.PromptTokens) / ready / seconds;
            var kv = start.KvCacheUse is { } a && now.KvCacheUse is { } b ? (a + b) / 2 : 0;
            estimate = ProfileEstimator.Update(estimate, policy.Profile, step, batch + (promptPerSecond * step), kv);

            // The cache's size from its use: what the running requests hold over the share it is.
            if (kv >= 0.1 && state.MeanPrompt is { } p && state.MeanOutput is { } o)
            {
                var size = batch * (p + (o / 2)) / kv;
                estimate = estimate with { KvCacheTokens = estimate.KvCacheTokens > 0 ? Blend(estimate.KvCacheTokens, size, 0.2) : size };
            }
        }

        return state with { Estimate = estimate, IntervalStart = now };
    }

    private static double BurstReplicas(CapacityPolicy policy, CapacityState state, ServerProfile profile, double lambda, double meanPrompt, out double peak)
    {
        peak = 0;
        if (policy.BurstCoverage <= 0 || state.Bursts.IsEmpty)
        {
            return 0;
        }

        var sorted = state.Bursts.Select(b => b.Excess).Order().ToArray();
        var excess = sorted[Math.Clamp((int)Math.Ceiling(policy.BurstCoverage * sorted.Length) - 1, 0, sorted.Length - 1)];
        if (excess <= 0)
        {
            return 0;
        }

        // A burst on top of the current rate: its prompts, spread over the replicas, each prefilling with its
        // whole step budget, done within the burst's two seconds and the objective.
        peak = excess + (lambda * BurstWindowSeconds);
        return peak * meanPrompt / (profile.PrefillTokensPerSecond * (policy.TimeToFirstToken.TotalSeconds + BurstWindowSeconds));
    }

    private static double Blend(double? previous, double value, double weight = MixWeight) =>
        previous is { } p ? p + (weight * (value - p)) : value;

    private static string Replicas(double replicas) =>
        double.IsPositiveInfinity(replicas) ? "more than the maximum" : Invariant($"{replicas:0.#}");

    private static string Join(string a, string b) => b.Length == 0 ? a : $"{a}; {b}";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
