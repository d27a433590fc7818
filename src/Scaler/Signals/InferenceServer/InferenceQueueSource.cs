using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scaler.Decisions;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.PrometheusText;

namespace Scaler.Signals.InferenceServer;

/// <summary>
/// Pending requests of a workload: each ready pod's model-server metrics scraped, the pending gauge
/// (plus the in-flight gauge when asked) summed over models and pods.
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
        var transportFailures = 0;
        for (var i = 0; i < targets.Count; i++)
        {
            var pod = targets[i].Pod;
            var result = results[i];
            var failure = result.Failure ?? reader.Check(result.Value, pod);
            if (failure is not null)
            {
                LogPodFailed(logger, pod.Namespace, pod.Name, failure.Reason);
                transportFailures += failure.IsTransient ? 1 : 0;
                missing.Add($"pod {pod.Name}: {failure.Reason}");
                continue;
            }

            answered++;
            sum += result.Value.Pending + (query.IncludeInFlight ? result.Value.InFlight : 0);
        }

        var coverage = new Coverage(answered, ready.Count, [.. missing.Take(MissingShown)]);
        if (answered == 0)
        {
            var why = $"no pod of {workload} answered with {query.PendingMetric}: {string.Join("; ", coverage.Missing)}";
            if (transportFailures > 0)
            {
                throw new HttpRequestException(why);
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

        return Reading.Fresh(sum, time.GetUtcNow(), coverage);
    }

    [LoggerMessage(EventId = 520, Level = LogLevel.Debug, Message = "Model-server pod {Namespace}/{Pod} did not answer usably: {Reason}")]
    private static partial void LogPodFailed(ILogger logger, string @namespace, string pod, string reason);

    [LoggerMessage(EventId = 521, Level = LogLevel.Information, Message = "Queue read of {Workload}: {Answered} of {Expected} pods answered; missing: {Missing}")]
    private static partial void LogPartialCoverage(ILogger logger, string workload, int answered, int expected, IReadOnlyList<string> missing);
}

/// <summary>What one pod's metrics say: the pending and in-flight sums, and whether each gauge was there.</summary>
internal readonly record struct QueueFigures(double Pending, int PendingSeries, double InFlight, int InFlightSeries);

/// <summary>Sums a query's gauges out of one scraped document (the query's names encoded once).</summary>
internal sealed class QueueMetricReader
{
    private readonly byte[] _pending;
    private readonly byte[]? _inFlight;
    private readonly byte[]? _modelLabel;
    private readonly byte[]? _model;
    private readonly string _pendingName;
    private readonly string? _inFlightName;

    public QueueMetricReader(InferenceQueueQuery query)
    {
        _pendingName = query.PendingMetric;
        _pending = Encoding.UTF8.GetBytes(_pendingName);
        _inFlightName = query.IncludeInFlight ? query.InFlightMetric : null;
        _inFlight = _inFlightName is null ? null : Encoding.UTF8.GetBytes(_inFlightName);
        if (query.Model is not null && query.ModelLabelName is not null)
        {
            _modelLabel = Encoding.UTF8.GetBytes(query.ModelLabelName);
            _model = Encoding.UTF8.GetBytes(query.Model);
        }
    }

    public QueueFigures Read(ReadOnlySpan<byte> body)
    {
        double pending = 0;
        double inFlight = 0;
        int pendingSeries = 0;
        int inFlightSeries = 0;
        var reader = new PrometheusTextReader(body);
        while (reader.Read(out var sample))
        {
            var isPending = sample.NameIs(_pending);
            if (!isPending && (_inFlight is null || !sample.NameIs(_inFlight)))
            {
                continue;
            }

            if (_modelLabel is not null && (!sample.TryGetLabel(_modelLabel, out var model) || !model.ValueEquals(_model)))
            {
                continue;
            }

            // A NaN or negative gauge is not a count of requests; the series counts as absent.
            if (!double.IsFinite(sample.Value) || sample.Value < 0)
            {
                continue;
            }

            if (isPending)
            {
                pending += sample.Value;
                pendingSeries++;
            }
            else
            {
                inFlight += sample.Value;
                inFlightSeries++;
            }
        }

        return new QueueFigures(pending, pendingSeries, inFlight, inFlightSeries);
    }

    /// <summary>The pod's failure when a gauge the query needs was not in its answer.</summary>
    public ScrapeFailure? Check(QueueFigures figures, WorkloadPod pod)
    {
        var filter = _model is null ? "" : $" for model {Encoding.UTF8.GetString(_model)}";
        if (figures.PendingSeries == 0)
        {
            return new ScrapeFailure(ScrapeFailureKind.Malformed, $"metric {_pendingName} not exposed by pod {pod.Namespace}/{pod.Name}{filter} (wrong server preset or port?)");
        }

        if (_inFlightName is not null && figures.InFlightSeries == 0)
        {
            return new ScrapeFailure(ScrapeFailureKind.Malformed, $"metric {_inFlightName} not exposed by pod {pod.Namespace}/{pod.Name}{filter}");
        }

        return null;
    }
}
