using k8s.Models;

namespace Scaler.Tests.FrontDoors.MetricsApi;

/// <summary>
/// The HPA controller's replica calculation, for the cases the custom metrics API feeds (reference
/// custom-metrics-hpa.md 3.2–3.8): Pods metrics with an AverageValue target (integer milli-units, ready pods,
/// missing pods rebalanced: at the target when scaling down, at 0 when scaling up), Object metrics with an
/// AverageValue target, the maximum over metrics, then the legacy clamp without <c>spec.behavior</c> or the
/// behaviour's rate limits for a first decision (no history: no stabilization yet). Written from the reference,
/// in the test, so the door's answers are checked by what consumes them.
/// </summary>
internal static class HpaReplicaCalculator
{
    public const double Tolerance = 0.1;

    /// <summary>One Pods metric's proposal: <paramref name="milliByPod"/> as the API answered, <paramref name="readyPods"/> the pods the selector selects.</summary>
    public static int PodsAverageValue(IReadOnlyDictionary<string, long> milliByPod, IReadOnlyList<string> readyPods, long targetMilli, int currentReplicas)
    {
        var metrics = readyPods.Where(milliByPod.ContainsKey).ToDictionary(p => p, p => milliByPod[p]);
        var missing = readyPods.Where(p => !milliByPod.ContainsKey(p)).ToList();
        if (metrics.Count == 0)
        {
            throw new InvalidOperationException("did not receive metrics for targeted pods");
        }

        var ratio = UsageRatio(metrics.Values, targetMilli);
        if (missing.Count == 0)
        {
            return Within(ratio) ? currentReplicas : (int)Math.Ceiling(ratio * metrics.Count);
        }

        // Missing pods: at the target when the others say scale down, at 0 when they say scale up.
        foreach (var pod in missing)
        {
            metrics[pod] = ratio < 1 ? targetMilli : 0;
        }

        var rebalanced = UsageRatio(metrics.Values, targetMilli);
        if (Within(rebalanced) || (ratio < 1 && rebalanced > 1) || (ratio > 1 && rebalanced < 1))
        {
            return currentReplicas;
        }

        var proposal = (int)Math.Ceiling(rebalanced * metrics.Count);
        return (rebalanced < 1 && proposal > currentReplicas) || (rebalanced > 1 && proposal < currentReplicas) ? currentReplicas : proposal;
    }

    /// <summary>One Object metric's proposal with an AverageValue target: <c>ceil(value / target)</c> outside the tolerance.</summary>
    public static int ObjectAverageValue(long valueMilli, long targetMilli, int statusReplicas)
    {
        var ratio = (double)valueMilli / (targetMilli * (double)statusReplicas);
        return Within(ratio) ? statusReplicas : (int)Math.Ceiling((double)valueMilli / targetMilli);
    }

    /// <summary>The count after normalisation: the legacy clamp, or the behaviour's scale-up and scale-down policies on a first decision.</summary>
    public static int Normalize(V2HorizontalPodAutoscaler hpa, int current, int proposal)
    {
        ArgumentNullException.ThrowIfNull(hpa);
        var min = hpa.Spec.MinReplicas ?? 1;
        var max = hpa.Spec.MaxReplicas;
        if (hpa.Spec.Behavior is not { } behavior)
        {
            return Math.Clamp(proposal, min, Math.Min(max, Math.Max(2 * current, 4)));
        }

        if (proposal > current)
        {
            var up = behavior.ScaleUp;
            var limits = (up?.Policies ?? []).Select(p => p.Type == "Pods" ? current + p.Value : (int)Math.Ceiling(current * (1 + p.Value / 100.0))).ToList();
            var limit = limits.Count == 0 ? int.MaxValue : up?.SelectPolicy == "Min" ? limits.Min() : limits.Max();
            return Math.Clamp(Math.Min(proposal, limit), min, max);
        }

        var down = behavior.ScaleDown;
        var floors = (down?.Policies ?? []).Select(p => p.Type == "Pods" ? current - p.Value : (int)Math.Truncate(current * (1 - p.Value / 100.0))).ToList();
        var floor = floors.Count == 0 ? int.MinValue : down?.SelectPolicy == "Min" ? floors.Max() : floors.Min();
        return Math.Clamp(Math.Max(proposal, floor), min, max);
    }

    /// <summary>Milli-units of a quantity string, as <c>Quantity.MilliValue()</c> reads it.</summary>
    public static long Milli(string quantity) => (long)Math.Ceiling(new ResourceQuantity(quantity).ToDecimal() * 1000m);

    private static double UsageRatio(IEnumerable<long> milli, long targetMilli)
    {
        var values = milli.ToList();
        return (double)(values.Sum() / values.Count) / targetMilli;
    }

    private static bool Within(double ratio) => Math.Abs(1 - ratio) <= Tolerance;
}
