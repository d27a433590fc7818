using Scaler.Signals.Kubernetes;

namespace Scaler.Signals.PrometheusText;

/// <summary>
/// The pod fan-out the pod-reading sources share (GPU exporters, model-server pods): where to scrape a pod, and
/// scraping many targets at once within <see cref="ScrapeLimits"/>. What a pod's answer means, and how missing
/// pods count, stays with each source.
/// </summary>
internal static class PodScrapes
{
    /// <summary>Where to scrape <paramref name="pod"/>: <paramref name="resolver"/>'s answer, else <c>http://{podIP}:{port}{path}</c>; null when the pod has no IP yet.</summary>
    public static Uri? Endpoint(WorkloadPod pod, int port, string path, Func<WorkloadPod, Uri>? resolver)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return resolver?.Invoke(pod) ?? (pod.PodIp is { } ip ? new UriBuilder(Uri.UriSchemeHttp, ip, port, path).Uri : null);
    }

    /// <summary>Scrapes every target (results in their order), at most <see cref="ScrapeLimits.MaxConcurrency"/> at once.</summary>
    public static async Task<ScrapeResult<T>[]> ScrapeAllAsync<T>(this MetricsScraper scraper, IReadOnlyList<Uri> targets, ScrapeLimits limits, ScrapeParser<T> parse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scraper);
        ArgumentNullException.ThrowIfNull(targets);
        var results = new ScrapeResult<T>[targets.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, targets.Count),
            new ParallelOptions { MaxDegreeOfParallelism = limits.MaxConcurrency, CancellationToken = cancellationToken },
            async (i, token) => results[i] = await scraper.ScrapeAsync(targets[i], limits.Timeout, limits.MaxResponseBytes, parse, token).ConfigureAwait(false))
            .ConfigureAwait(false);
        return results;
    }
}
