using System.Collections.Immutable;

namespace Scaler.Simulation;

/// <summary>
/// Replays a trace through one deployment per policy in fast-forwarded virtual time (fixed 50 ms ticks),
/// each policy deciding with the same engine code the product runs.
/// </summary>
internal static class Simulator
{
    /// <summary>Tick length: waits are measured to this resolution, far below the SLO.</summary>
    public const double TickSeconds = 0.05;

    // After the last arrival, keep going until every request finished, at most this long.
    private const double DrainLimitSeconds = 3600;

    public static IReadOnlyList<PolicyResult> Run(Trace trace, SimulationOptions options) =>
        [.. Policies.Create(options).Select(loop => Run(trace, loop, options))];

    /// <summary>One policy over the trace; <paramref name="onFirstToken"/> sees every request when its first token comes.</summary>
    public static PolicyResult Run(Trace trace, IScalingLoop loop, SimulationOptions options, Action<ActiveRequest>? onFirstToken = null)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(options);

        var deployment = options.Deployment.Create(TickSeconds);
        // Enough history for the oldest signal and for a minute of work-source scrapes behind it.
        var history = new ObservationHistory(TickSeconds, options.Ages.MaxAge + TimeSpan.FromSeconds(SimulatedWorkSignals.PeakLookbackSeconds + 5));
        var slo = options.Slo.TotalSeconds;
        var warmup = options.Warmup.TotalSeconds;
        var waits = new List<double>(trace.Requests.Length);
        int warmupViolations = 0, afterViolations = 0;
        deployment.FirstToken += request =>
        {
            waits.Add(request.Wait);
            if (request.Wait > slo)
            {
                _ = request.ArrivalSeconds < warmup ? warmupViolations++ : afterViolations++;
            }

            onFirstToken?.Invoke(request);
        };
        var requests = trace.Requests;
        var bucketTicks = Math.Max(1, (int)Math.Round(options.SeriesBucketSeconds / TickSeconds));
        var series = ImmutableArray.CreateBuilder<SeriesPoint>();
        var stopAt = trace.DurationSeconds + DrainLimitSeconds;

        int next = 0, scaleEvents = 0, peak = 0, bucketArrivals = 0;
        long existingTicks = 0, warmupExistingTicks = 0, zeroTicks = 0, replicaTicks = 0, tick = 0;
        double bucketReplicas = 0, bucketReady = 0;
        while (true)
        {
            var now = tick * TickSeconds;
            while (next < requests.Length && requests[next].ArrivalSeconds <= now + 1e-9)
            {
                deployment.Enqueue(new ActiveRequest(requests[next++]), now);
                bucketArrivals++;
            }

            var observation = deployment.Observe(now);
            history.Record(tick, observation);
            if (loop.OnTick(now, observation, history) is { } desired && desired != observation.Current)
            {
                deployment.Scale(desired, now);
                scaleEvents++;
                observation = deployment.Observe(now);
            }

            deployment.Step(now);
            existingTicks += deployment.Existing;
            warmupExistingTicks += now < warmup ? deployment.Existing : 0;
            replicaTicks += observation.Current;
            zeroTicks += deployment.Existing == 0 ? 1 : 0;
            peak = Math.Max(peak, observation.Current);
            bucketReplicas += observation.Current;
            bucketReady += observation.Ready;
            tick++;
            if (tick % bucketTicks == 0)
            {
                var span = bucketTicks * TickSeconds;
                series.Add(new SeriesPoint(now + TickSeconds - span, bucketArrivals / span, bucketReplicas / bucketTicks, bucketReady / bucketTicks));
                bucketArrivals = 0;
                bucketReplicas = bucketReady = 0;
            }

            var done = next >= requests.Length && deployment.Outstanding == 0;
            if (done || now >= stopAt)
            {
                break;
            }
        }

        // Requests that never got a first token (only past the drain limit) count as waiting forever.
        var unserved = requests.Length - waits.Count;
        var warmupRequests = CountBefore(requests, warmup);
        waits.Sort();
        var seconds = tick * TickSeconds;
        var gpuHours = existingTicks * TickSeconds / 3600;
        var warmupHours = warmupExistingTicks * TickSeconds / 3600;
        return new PolicyResult(
            loop.Name,
            gpuHours,
            requests.Length,
            warmupViolations + afterViolations + unserved,
            Percentile(waits, unserved, 0.50),
            Percentile(waits, unserved, 0.99),
            scaleEvents,
            zeroTicks * TickSeconds,
            seconds > 0 ? replicaTicks * TickSeconds / seconds : 0,
            peak,
            series.ToImmutable())
        {
            Warmup = new ResultSegment(warmupHours, warmupRequests, warmupViolations),

            // Unserved requests are counted after warm-up: they waited past the end of the run.
            AfterWarmup = new ResultSegment(gpuHours - warmupHours, requests.Length - warmupRequests, afterViolations + unserved),
        };
    }

    private static int CountBefore(ImmutableArray<TraceRequest> requests, double seconds)
    {
        var count = 0;
        while (count < requests.Length && requests[count].ArrivalSeconds < seconds)
        {
            count++;
        }

        return count;
    }

    // Nearest-rank percentile; unserved requests rank above every served one.
    private static double Percentile(List<double> sorted, int unserved, double p)
    {
        var total = sorted.Count + unserved;
        if (total == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (int)Math.Ceiling(p * total));
        return rank <= sorted.Count ? sorted[rank - 1] : double.PositiveInfinity;
    }
}
