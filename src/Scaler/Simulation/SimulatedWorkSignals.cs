using Scaler.Decisions.Capacity;

namespace Scaler.Simulation;

/// <summary>
/// What the Scaler's work source would read from the simulated pods: the servers' counters and gauges as
/// of the pods' scrape age, and the most requests that arrived within any two seconds of the last minute,
/// counted from consecutive scrapes (finished requests plus the change in what the pods hold).
/// </summary>
internal static class SimulatedWorkSignals
{
    /// <summary>Scrape spacing the arrival peak is counted at (the watched refresh).</summary>
    public const double ScrapeSeconds = 0.5;

    /// <summary>Window of one burst.</summary>
    public const double PeakWindowSeconds = 2;

    /// <summary>How far back the peak looks.</summary>
    public const double PeakLookbackSeconds = 60;

    public static WorkSample Sample(ObservationHistory history, double now, SignalAge age, DateTimeOffset epoch)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(age);
        var at = age.SampleTime(now);
        var observation = history.At(at);
        var counters = observation.Counters;
        return new WorkSample(
            epoch.AddSeconds(Math.Min(at, now)),
            counters.FinishedRequests,
            counters.PromptTokens,
            counters.GenerationTokens,
            observation.Running,
            observation.Waiting,
            observation.KvCacheUsage,
            ArrivalPeak(history, at))
        {
            InterTokenSeconds = counters.InterTokenSeconds,
            InterTokenCount = counters.InterTokenCount,
        };
    }

    private static double ArrivalPeak(ObservationHistory history, double at)
    {
        var samples = (int)(PeakLookbackSeconds / ScrapeSeconds);
        var window = (int)(PeakWindowSeconds / ScrapeSeconds);
        var arrivals = new double[samples];
        var previous = history.At(at - (samples * ScrapeSeconds));
        for (var i = 0; i < samples; i++)
        {
            var current = history.At(at - ((samples - 1 - i) * ScrapeSeconds));
            arrivals[i] = Math.Max(0, current.Counters.FinishedRequests - previous.Counters.FinishedRequests + current.Outstanding - previous.Outstanding);
            previous = current;
        }

        double peak = 0, sum = 0;
        for (var i = 0; i < samples; i++)
        {
            sum += arrivals[i];
            if (i >= window)
            {
                sum -= arrivals[i - window];
            }

            peak = Math.Max(peak, sum);
        }

        return peak;
    }
}
