using System.Collections.Immutable;

namespace Scaler.Simulation;

/// <summary>
/// A lower bound on the GPU-hours of any replica schedule that serves the trace (same start-up delay,
/// server model and maximum), meeting the time-to-first-token objective for every request that can
/// physically meet it. The proof is in docs/simulator.md ("The limit"); in short, with K the start-up
/// delay, the cost of a schedule is at least Σ over levels h of (time with ≥ h replicas ready + K × times
/// level h starts), and:
/// <list type="number">
/// <item>Work: replicas ready over time must supply the minimum replica seconds of every request
/// (<see cref="IServerCosts.MinimumReplicaSeconds"/>), and every level above the initial count that is
/// ever needed starts at least once.</item>
/// <item>Windows: the prompts of requests that arrive in [a, b] and are due by b must be processed in
/// [a, b]; one replica gives at most b − a seconds there, so at least k = ⌈work / (b − a)⌉ replicas are
/// ready at some instant of it (k capped at what can be ready then). For each level h, windows needing
/// ≥ h that do not overlap must each be touched by level h: between two of them level h either stays up
/// (the gap) or starts again (K), so it costs at least Σ min(gap, K), plus K for its first start.</item>
/// </list>
/// The bound is the larger of the two. Windows up to <see cref="MaxWindowSeconds"/> long are examined.
/// </summary>
internal static class CapacityBound
{
    /// <summary>Longest window examined (a subset of the constraints keeps the bound valid).</summary>
    public const double MaxWindowSeconds = 120;

    /// <summary>The bound, in GPU-hours, with its two parts.</summary>
    public static BoundResult Compute(Trace trace, DeploymentOptions deployment, int maxReplicas, TimeSpan slo)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(deployment);
        var costs = deployment.Costs;
        var requests = trace.Requests;
        var startup = deployment.StartupDelay.TotalSeconds;
        var initial = Math.Min(deployment.InitialReplicas, maxReplicas);
        var d = slo.TotalSeconds;

        var windows = ShortestWindows(requests, costs, d, startup, initial, maxReplicas);
        double levels = 0;
        var highest = 0;
        for (var h = 1; h <= maxReplicas; h++)
        {
            if (windows[h].Count == 0)
            {
                continue;
            }

            highest = h;
            levels += LevelCost(windows[h], startup, h <= initial);
        }

        var work = costs.MinimumReplicaSeconds(requests) + (startup * Math.Max(0, highest - initial));
        return new BoundResult(Math.Max(levels, work) / 3600, work / 3600, levels / 3600, highest);
    }

    /// <summary>
    /// For each level h, the shortest window starting at each arrival whose prompt work needs h replicas:
    /// windows[h] holds (start, end) pairs.
    /// </summary>
    internal static List<(double Start, double End)>[] ShortestWindows(
        ImmutableArray<TraceRequest> requests, IServerCosts costs, double slo, double startup, int initial, int maxReplicas)
    {
        var windows = new List<(double Start, double End)>[maxReplicas + 1];
        for (var h = 0; h <= maxReplicas; h++)
        {
            windows[h] = [];
        }

        var prefill = new double[requests.Length];
        for (var i = 0; i < requests.Length; i++)
        {
            var p = costs.PrefillSeconds(requests[i]);

            // A prompt longer than the objective can never meet it: no schedule is asked to.
            prefill[i] = p <= slo ? p : 0;
        }

        for (var i = 0; i < requests.Length; i++)
        {
            var start = requests[i].ArrivalSeconds;
            var reached = 0;
            double work = 0;
            for (var j = i; j < requests.Length && requests[j].ArrivalSeconds - start <= MaxWindowSeconds && reached < maxReplicas; j++)
            {
                work += prefill[j];
                if (work <= 0)
                {
                    continue;
                }

                var end = requests[j].ArrivalSeconds + slo;

                // Only the initial replicas can be ready before the first start-up completes.
                var cap = end < startup ? Math.Max(initial, 1) : maxReplicas;
                var needed = Math.Min(cap, (int)Math.Ceiling((work / (end - start)) - 1e-9));
                for (var h = reached + 1; h <= needed; h++)
                {
                    windows[h].Add((start, end));
                }

                reached = Math.Max(reached, needed);
            }
        }

        return windows;
    }

    /// <summary>
    /// Cost of one level: non-overlapping windows picked greedily by earliest end; the first start costs K
    /// (or the time from 0 if the level is up at the start), each gap min(gap, K).
    /// </summary>
    internal static double LevelCost(List<(double Start, double End)> windows, double startup, bool upAtStart)
    {
        var sorted = windows.OrderBy(w => w.End).ToList();
        double cost = 0;
        double? lastEnd = null;
        foreach (var (start, end) in sorted)
        {
            if (lastEnd is { } previous && start <= previous)
            {
                continue;
            }

            cost += lastEnd is { } before
                ? Math.Min(start - before, startup)
                : upAtStart ? Math.Min(start, startup) : startup;
            lastEnd = end;
        }

        return cost;
    }
}
