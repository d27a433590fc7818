using Prometheus;
using Scaler.Decisions;

namespace Scaler.Signals;

/// <summary>
/// The signal layer's own metrics (STYLE rule 11): declared once per registry, base units in names, the
/// unit in the help text. Labels are a closed set (source kind, failure reason) except the per-key age,
/// whose child is removed when its key is evicted, and the per-upstream circuit state (credential-free).
/// </summary>
internal sealed class SignalMetrics
{
    public SignalMetrics(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        Registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);
        ReadDuration = factory.CreateHistogram(
            "scaler_signal_read_duration_seconds",
            "Duration of one upstream read attempt by source kind, in seconds.",
            new HistogramConfiguration
            {
                LabelNames = ["source"],
                Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            });
        Reads = factory.CreateCounter(
            "scaler_signal_reads_total",
            "Upstream read attempts by source kind (a count).",
            new CounterConfiguration { LabelNames = ["source"] });
        Errors = factory.CreateCounter(
            "scaler_signal_read_errors_total",
            "Reads without a fresh value by source kind and reason (timeout, connection, http_4xx, http_5xx, empty, nan, multiple_series, malformed, circuit_open, other); a count.",
            new CounterConfiguration { LabelNames = ["source", "reason"] });
        ReadingAge = factory.CreateGauge(
            "scaler_signal_reading_age_seconds",
            "Age of the last good value of each cached reading, in seconds; NaN before the first good value.",
            new GaugeConfiguration { LabelNames = ["source", "key"] });
        CircuitState = factory.CreateGauge(
            "scaler_signal_circuit_state",
            "Circuit breaker state per source kind and upstream: 0 closed, 1 half-open, 2 open (a state, no unit).",
            new GaugeConfiguration { LabelNames = ["source", "upstream"] });
    }

    public CollectorRegistry Registry { get; }

    public Histogram ReadDuration { get; }

    public Counter Reads { get; }

    public Counter Errors { get; }

    public Gauge ReadingAge { get; }

    public Gauge CircuitState { get; }

    public void CountError(string source, ReadFailure failure) => Errors.WithLabels(source, failure.Label()).Inc();
}
