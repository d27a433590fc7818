using System.Text;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.PrometheusText;

namespace Scaler.Signals.InferenceServer;

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
        int unusable = 0;
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
                unusable++;
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

        return new QueueFigures(pending, pendingSeries, inFlight, inFlightSeries, unusable);
    }

    /// <summary>The pod's failure when a gauge the query needs was not in its answer.</summary>
    public ScrapeFailure? Check(QueueFigures figures, WorkloadPod pod)
    {
        var filter = _model is null ? "" : $" for model {Encoding.UTF8.GetString(_model)}";
        if (figures.PendingSeries == 0 || (_inFlightName is not null && figures.InFlightSeries == 0))
        {
            var name = figures.PendingSeries == 0 ? _pendingName : _inFlightName;
            return figures.UnusableSeries > 0
                ? new ScrapeFailure(ScrapeFailureKind.Malformed, $"metric {name} on pod {pod.Namespace}/{pod.Name}{filter} has no usable value: {figures.UnusableSeries} series NaN, infinite or negative, which is not a count of requests")
                : new ScrapeFailure(ScrapeFailureKind.Malformed, $"metric {name} not exposed by pod {pod.Namespace}/{pod.Name}{filter}{(figures.PendingSeries == 0 ? " (wrong server preset or port?)" : "")}");
        }

        return null;
    }
}
