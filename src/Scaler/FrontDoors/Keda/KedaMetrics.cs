using Prometheus;
using Scaler.Decisions;
using Scaler.Signals;

namespace Scaler.FrontDoors.Keda;

/// <summary>The KEDA door's decisions and events in the scaler's own metrics (declared once, on the injected registry).</summary>
internal sealed class KedaMetrics
{
    public KedaMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        Decisions = factory.CreateCounter(
            "scaler_keda_decisions_total",
            "Decisions made for KEDA by outcome (decided, cannot_decide) and the signal that drove them (none when no signal did); a count.",
            new CounterConfiguration { LabelNames = ["outcome", "driver"] });

        // One child per trigger: a ScaledObject with two Scaler triggers has two metric names, and neither
        // overwrites the other's value.
        DesiredReplicas = factory.CreateGauge(
            "scaler_keda_desired_replicas",
            "The last desired replica count per trigger (ScaledObject and the metric name GetMetricSpec returns); replicas.",
            new GaugeConfiguration { LabelNames = ["namespace", "scaledobject", "metric"] });
        CurrentReplicas = factory.CreateGauge(
            "scaler_keda_current_replicas",
            "Replicas of the scale target when the trigger last decided, as the Scaler counted them (the door's last answer out of a cluster); replicas.",
            new GaugeConfiguration { LabelNames = ["namespace", "scaledobject", "metric"] });
        ReadyReplicas = factory.CreateGauge(
            "scaler_keda_ready_replicas",
            "Ready replicas of the scale target when the trigger last decided, as the Scaler counted them; replicas.",
            new GaugeConfiguration { LabelNames = ["namespace", "scaledobject", "metric"] });
        DesiredChanges = factory.CreateCounter(
            "scaler_keda_desired_changes_total",
            "Decisions whose desired replica count differed from the trigger's previous one, per trigger; a count.",
            new CounterConfiguration { LabelNames = ["namespace", "scaledobject", "metric"] });
        EventsWritten = factory.CreateCounter(
            "scaler_keda_events_written_total",
            "Kubernetes Events written for decisions, by result (created, patched: a repeat counted in the series of an earlier event, failed: the API server refused or could not be reached); a count.",
            new CounterConfiguration { LabelNames = ["result"] });
        EventsDropped = factory.CreateCounter(
            "scaler_keda_events_dropped_total",
            "Kubernetes Events for decisions not written, by reason (queue_full: the oldest queued event made room for a newer one, rate_limited: the involved object's token bucket was empty); a count.",
            new CounterConfiguration { LabelNames = ["reason"] });
    }

    public Counter Decisions { get; }

    public Gauge DesiredReplicas { get; }

    public Gauge CurrentReplicas { get; }

    public Gauge ReadyReplicas { get; }

    public Counter DesiredChanges { get; }

    public Counter EventsWritten { get; }

    public Counter EventsDropped { get; }

    /// <summary>Removes a forgotten trigger's series, so that a trigger that went away does not stay on the scrape.</summary>
    public void Forget(TriggerId trigger)
    {
        var (scaledObject, metricName) = trigger;
        DesiredReplicas.RemoveLabelled(scaledObject.Namespace, LabelValues.Bounded(scaledObject.Name), metricName);
        CurrentReplicas.RemoveLabelled(scaledObject.Namespace, LabelValues.Bounded(scaledObject.Name), metricName);
        ReadyReplicas.RemoveLabelled(scaledObject.Namespace, LabelValues.Bounded(scaledObject.Name), metricName);
        DesiredChanges.RemoveLabelled(scaledObject.Namespace, LabelValues.Bounded(scaledObject.Name), metricName);
    }

    public void Record(TriggerId trigger, Decision decision, bool changed)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var (scaledObject, metricName) = trigger;
        Decisions.WithLabels(decision.CannotDecide ? "cannot_decide" : "decided", decision.Explanation.DrivingSignal ?? "none").Inc();
        DesiredReplicas.WithLabels(scaledObject.Namespace, LabelValues.Bounded(scaledObject.Name), metricName).Set(decision.DesiredReplicas);
        CurrentReplicas.WithLabels(scaledObject.Namespace, LabelValues.Bounded(scaledObject.Name), metricName).Set(decision.Explanation.Current);
        ReadyReplicas.WithLabels(scaledObject.Namespace, LabelValues.Bounded(scaledObject.Name), metricName).Set(decision.Explanation.Ready);
        if (changed)
        {
            DesiredChanges.WithLabels(scaledObject.Namespace, LabelValues.Bounded(scaledObject.Name), metricName).Inc();
        }
    }
}
