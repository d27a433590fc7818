using System.Collections.Immutable;

namespace Scaler.Simulation;

/// <summary>Everything one simulation run needs besides the trace.</summary>
internal sealed record SimulationOptions
{
    public DeploymentOptions Deployment { get; init; } = new();

    public PolicyOptions Policies { get; init; } = new();

    /// <summary>Time-to-first-token objective. Default 2 s.</summary>
    public TimeSpan Slo { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Seconds per chart point. Default 10 s.</summary>
    public double SeriesBucketSeconds { get; init; } = 10;
}

/// <summary>One chart point: mean load and replicas over a bucket.</summary>
internal readonly record struct SeriesPoint(double AtSeconds, double ArrivalsPerSecond, double Replicas, double ReadyReplicas);

/// <summary>What one policy did over the trace.</summary>
internal sealed record PolicyResult(
    string Name,
    double GpuHours,
    int Requests,
    int SloViolations,
    double P50WaitSeconds,
    double P99WaitSeconds,
    int ScaleEvents,
    double TimeAtZeroSeconds,
    double MeanReplicas,
    int PeakReplicas,
    ImmutableArray<SeriesPoint> Series)
{
    public double SloAttainment => Requests == 0 ? 1 : 1 - (SloViolations / (double)Requests);
}

/// <summary>
/// Replays a trace through one <see cref="Deployment"/> per policy in fast-forwarded virtual time
/// (fixed 50 ms ticks), each policy deciding with the same engine code the product runs.
/// </summary>
internal static class Simulator
{
    /// <summary>Tick length: waits are measured to this resolution, far below the SLO.</summary>
    public const double TickSeconds = 0.05;

    // After the last arrival, keep going until every request finished, at most this long.
    private const double DrainLimitSeconds = 3600;

    public static IReadOnlyList<PolicyResult> Run(Trace trace, SimulationOptions options) =>
        [.. Policies.Create(options.Policies).Select(loop => Run(trace, loop, options))];

    public static PolicyResult Run(Trace trace, IScalingLoop loop, SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(options);

        var deployment = new Deployment(options.Deployment, TickSeconds);
        var waits = new List<double>(trace.Requests.Length);
        deployment.FirstToken += request => waits.Add(request.Wait);
        var requests = trace.Requests;
        var bucketTicks = Math.Max(1, (int)Math.Round(options.SeriesBucketSeconds / TickSeconds));
        var series = ImmutableArray.CreateBuilder<SeriesPoint>();
        var stopAt = trace.DurationSeconds + DrainLimitSeconds;

        int next = 0, scaleEvents = 0, peak = 0, bucketArrivals = 0;
        long existingTicks = 0, zeroTicks = 0, replicaTicks = 0, tick = 0;
        double bucketReplicas = 0, bucketReady = 0;
        while (true)
        {
            var now = tick * TickSeconds;
            while (next < requests.Length && requests[next].ArrivalSeconds <= now + 1e-9)
            {
                deployment.Enqueue(new ActiveRequest(requests[next++]));
                bucketArrivals++;
            }

            var observation = deployment.Observe(now);
            if (loop.OnTick(now, observation) is { } desired && desired != observation.Current)
            {
                deployment.Scale(desired, now);
                scaleEvents++;
                observation = deployment.Observe(now);
            }

            deployment.Step(now);
            existingTicks += deployment.Existing;
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
        waits.Sort();
        var seconds = tick * TickSeconds;
        var slo = options.Slo.TotalSeconds;
        return new PolicyResult(
            loop.Name,
            existingTicks * TickSeconds / 3600,
            requests.Length,
            waits.Count(w => w > slo) + unserved,
            Percentile(waits, unserved, 0.50),
            Percentile(waits, unserved, 0.99),
            scaleEvents,
            zeroTicks * TickSeconds,
            seconds > 0 ? replicaTicks * TickSeconds / seconds : 0,
            peak,
            series.ToImmutable());
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
