using System.Collections.Immutable;

namespace Scaler.Simulation;

/// <summary>
/// A replica schedule that knows the whole trace, replayed through the same deployment model: the
/// feasible side of the limit. It starts from what the trace needs (the capacity bound's windows, and
/// the work arriving around each moment at 80% of a replica), starts every replica one start-up delay
/// before it is needed, keeps a replica through gaps shorter than a start-up, and then repairs itself:
/// wherever a request missed the objective and more replicas could have been ready, it adds one and
/// replays, up to <see cref="MaxRepairs"/> times.
/// </summary>
internal static class ClairvoyantPlanner
{
    public const string Name = "clairvoyant";

    /// <summary>Schedule resolution.</summary>
    public const double SlotSeconds = 5;

    /// <summary>Replays spent repairing the schedule.</summary>
    public const int MaxRepairs = 8;

    // Sustained work is planned at this share of a replica's time.
    private const double TargetBusy = 0.8;

    private const double SustainedWindowSeconds = 60;

    /// <summary>The best schedule found and its replay.</summary>
    public static ClairvoyantResult Plan(Trace trace, SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(options);
        var max = options.Policies.MaxReplicas;
        var startup = options.Deployment.StartupDelay.TotalSeconds;
        var need = InitialNeed(trace, options.Deployment, max, options.Slo);
        var slo = options.Slo.TotalSeconds;

        ImmutableArray<int> schedule = default;
        PolicyResult? result = null;
        for (var attempt = 0; attempt <= MaxRepairs; attempt++)
        {
            schedule = ToSchedule(need, startup);
            var missed = new List<double>();
            result = Simulator.Run(trace, new ScheduleLoop(Name, schedule, SlotSeconds), options, request =>
            {
                if (request.Wait > slo)
                {
                    missed.Add(request.ArrivalSeconds);
                }
            });

            if (!Repair(need, missed, startup, max) || attempt == MaxRepairs)
            {
                break;
            }
        }

        return new ClairvoyantResult(result!, schedule, SlotSeconds);
    }

    /// <summary>Ready replicas the first minute of the trace needs: the deployment size of a warm start.</summary>
    public static int FirstMinuteReplicas(Trace trace, DeploymentOptions deployment, int maxReplicas, TimeSpan slo)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var need = InitialNeed(trace, deployment with { InitialReplicas = maxReplicas, StartupDelay = TimeSpan.Zero }, maxReplicas, slo);
        var slots = (int)Math.Ceiling(60 / SlotSeconds);
        return Math.Max(1, need.Take(slots).DefaultIfEmpty(1).Max());
    }

    private static int[] InitialNeed(Trace trace, DeploymentOptions deployment, int max, TimeSpan slo)
    {
        var slots = (int)Math.Ceiling((trace.DurationSeconds + slo.TotalSeconds) / SlotSeconds) + 1;
        var need = new int[slots];
        var costs = deployment.Costs;

        // Short windows: as many replicas as the prompts due in them need, over the whole window.
        var windows = CapacityBound.ShortestWindows(trace.Requests, costs, slo.TotalSeconds, deployment.StartupDelay.TotalSeconds,
            Math.Min(deployment.InitialReplicas, max), max);
        for (var h = 1; h <= max; h++)
        {
            foreach (var (start, end) in windows[h])
            {
                for (var s = Slot(start); s <= Math.Min(slots - 1, Slot(end)); s++)
                {
                    need[s] = Math.Max(need[s], h);
                }
            }
        }

        // Sustained work, prompts and decodes, around each slot.
        var perRequest = trace.Requests.Select(r => costs.MinimumReplicaSeconds([r])).ToArray();
        var half = SustainedWindowSeconds / 2;
        int from = 0, to = 0;
        double work = 0;
        for (var s = 0; s < slots; s++)
        {
            var center = (s + 0.5) * SlotSeconds;
            while (to < perRequest.Length && trace.Requests[to].ArrivalSeconds < center + half)
            {
                work += perRequest[to++];
            }

            while (from < to && trace.Requests[from].ArrivalSeconds < center - half)
            {
                work -= perRequest[from++];
            }

            var sustained = (int)Math.Ceiling((work / SustainedWindowSeconds / TargetBusy) - 1e-9);
            need[s] = Math.Clamp(Math.Max(need[s], sustained), work > 0 ? 1 : 0, max);
        }

        return need;
    }

    // Replicas are asked for one start-up ahead of the slot that needs them, and kept while any slot
    // within one start-up needs them (a gap shorter than a start-up costs less than a restart).
    private static ImmutableArray<int> ToSchedule(int[] need, double startup)
    {
        var ahead = (int)Math.Ceiling(startup / SlotSeconds);
        var schedule = new int[need.Length];
        for (var s = 0; s < need.Length; s++)
        {
            var count = 0;
            for (var u = s; u <= Math.Min(need.Length - 1, s + ahead); u++)
            {
                count = Math.Max(count, need[u]);
            }

            schedule[s] = count;
        }

        return [.. schedule];
    }

    // One more replica wherever a request missed and more could have been ready; false when nothing can improve.
    private static bool Repair(int[] need, List<double> missed, double startup, int max)
    {
        var changed = false;
        var bumped = new HashSet<int>();
        foreach (var arrival in missed)
        {
            // Before the first start-up completes only the initial replicas serve.
            if (arrival + SlotSeconds < startup)
            {
                continue;
            }

            foreach (var s in new[] { Slot(arrival) - 1, Slot(arrival) })
            {
                if (s >= 0 && s < need.Length && need[s] < max && bumped.Add(s))
                {
                    need[s]++;
                    changed = true;
                }
            }
        }

        return changed;
    }

    private static int Slot(double seconds) => (int)Math.Floor(seconds / SlotSeconds);
}
