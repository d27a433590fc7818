using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scaler.Decisions;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.PrometheusText;

namespace Scaler.Signals.InferenceServer;

/// <summary>
/// Pending requests of a workload: each ready pod's model-server metrics scraped, the pending gauge
/// (plus the in-flight gauge when asked) summed over models and pods; each pod's own sum is kept in
/// <see cref="Reading.PerPod"/> for the custom metrics API.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Pods unknown: unavailable with the reason.</item>
/// <item>No ready pod: unavailable. The requests waiting for a workload at zero replicas are not in any
///   pod (they wait in a gateway, a load balancer, or the client), so this source cannot see them; scale
///   from zero needs a signal from outside the pods (Prometheus, RabbitMQ, the gateway's metric).</item>
/// <item>A pod that answers without the metric is a failure of that pod ("metric … not exposed by pod
///   …", usually the wrong preset or port), never 0.</item>
/// <item>Coverage is per pod. Fresh when at least <see cref="InferenceServerOptions.MinPodCoverage"/>
///   answered; the value is then the sum over the pods that answered, a lower bound.</item>
/// <item>No pod answered and at least one failure was transport: throws <see cref="HttpRequestException"/>
///   (the pipeline retries); no pod answered otherwise: unavailable.</item>
/// </list>
/// </remarks>
internal sealed partial class InferenceQueueSource(
    IWorkloadPods kubernetes,
    MetricsScraper scraper,
    IOptions<InferenceServerOptions> options,
    TimeProvider time,
    ILogger<InferenceQueueSource> logger) : ISignalSource<InferenceQueueQuery>
{
    private const int MissingShown = 5;

    public async ValueTask<Reading> ReadAsync(InferenceQueueQuery query, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var workload = $"{query.Workload.Namespace}/{query.Workload.Name}";
        var pods = kubernetes.GetPods(query.Workload);
        if (!pods.IsKnown)
        {
            return Reading.Unavailable($"pods of {workload} unknown: {pods.UnavailableReason}");
        }

        var ready = pods.Pods.Where(p => p.Ready).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        if (ready.Count == 0)
        {
            return Reading.Unavailable(
                $"no ready pods of {workload} to scrape: requests waiting for a workload with no pods are outside them; scale from zero needs a Prometheus, RabbitMQ or gateway signal");
        }

        var reader = new QueueMetricReader(query);
        var missing = new List<string>();
        var targets = new List<(WorkloadPod Pod, Uri Uri)>();
        foreach (var pod in ready)
        {
            var uri = PodScrapes.Endpoint(pod, query.Port, query.MetricsPath, settings.EndpointResolver);
            if (uri is null)
            {
                missing.Add($"pod {pod.Name}: no pod IP");
                continue;
            }

            targets.Add((pod, uri));
        }

        var limits = new ScrapeLimits(settings.ScrapeTimeout, settings.MaxResponseBytes, settings.MaxConcurrency);
        var results = await scraper.ScrapeAllAsync([.. targets.Select(t => t.Uri)], limits, reader.Read, cancellationToken).ConfigureAwait(false);

        double sum = 0;
        var answered = 0;
        var perPod = new List<PodValue>(targets.Count);
        var transportFailures = 0;
        var unreachable = 0;
        for (var i = 0; i < targets.Count; i++)
        {
            var pod = targets[i].Pod;
            var result = results[i];
            var failure = result.Failure ?? reader.Check(result.Value, pod);
            if (failure is not null)
            {
                LogPodFailed(logger, pod.Namespace, pod.Name, failure.Reason);
                transportFailures += failure.IsTransient ? 1 : 0;
                unreachable += failure.Kind == ScrapeFailureKind.Unreachable ? 1 : 0;
                missing.Add($"pod {pod.Name}: {failure.Reason}");
                continue;
            }

            answered++;
            var value = result.Value.Pending + (query.IncludeInFlight ? result.Value.InFlight : 0);
            sum += value;
            perPod.Add(new PodValue(pod.Name, value));
        }

        var coverage = new Coverage(answered, ready.Count, [.. missing.Take(MissingShown)]);
        if (answered == 0)
        {
            var why = $"no pod of {workload} answered with {query.PendingMetric}: {string.Join("; ", coverage.Missing)}";
            if (transportFailures > 0)
            {
                // Every target refused or unknown: the pods are out of reach, and that counts against their circuit.
                throw new SignalSourceException(ReadFailure.Connection, why, upstreamUnreachable: unreachable == transportFailures);
            }

            return new Reading(SignalStatus.Unavailable, double.NaN, null, why, coverage);
        }

        if (answered < settings.MinPodCoverage * ready.Count)
        {
            return new Reading(SignalStatus.Unavailable, double.NaN, null, $"only {answered} of {ready.Count} pods of {workload} answered: {string.Join("; ", coverage.Missing)}", coverage);
        }

        if (coverage.IsPartial)
        {
            LogPartialCoverage(logger, workload, answered, ready.Count, coverage.Missing);
        }

        return Reading.Fresh(sum, time.GetUtcNow(), coverage) with { PerPod = perPod };
    }

    [LoggerMessage(EventId = 520, Level = LogLevel.Debug, Message = "Model-server pod {Namespace}/{Pod} did not answer usably: {Reason}")]
    private static partial void LogPodFailed(ILogger logger, string @namespace, string pod, string reason);

    [LoggerMessage(EventId = 521, Level = LogLevel.Information, Message = "Queue read of {Workload}: {Answered} of {Expected} pods answered; missing: {Missing}")]
    private static partial void LogPartialCoverage(ILogger logger, string workload, int answered, int expected, IReadOnlyList<string> missing);
}
