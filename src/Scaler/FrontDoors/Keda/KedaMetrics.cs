using Prometheus;

namespace Scaler.FrontDoors.Keda;

/// <summary>The KEDA door's decisions in the scaler's own metrics (declared once, on the injected registry).</summary>
internal sealed class KedaMetrics
{
    public KedaMetrics(CollectorRegistry registry)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        Decisions = factory.CreateCounter(
            "scaler_keda_decisions_total",
            "Decisions made for KEDA by outcome (decided, cannot_decide) and the signal that drove them (none when no signal did); a count.",
            new CounterConfiguration { LabelNames = ["outcome", "driver"] });
        DesiredReplicas = factory.CreateGauge(
            "scaler_keda_desired_replicas",
            "The last desired replica count per ScaledObject (replicas).",
            new GaugeConfiguration { LabelNames = ["namespace", "scaledobject"] });
        DesiredChanges = factory.CreateCounter(
            "scaler_keda_desired_changes_total",
            "Decisions whose desired replica count differed from the previous one, per ScaledObject; a count.",
            new CounterConfiguration { LabelNames = ["namespace", "scaledobject"] });
    }

    public Counter Decisions { get; }

    public Gauge DesiredReplicas { get; }

    public Counter DesiredChanges { get; }

    public void Record(ScaledObjectKey scaledObject, KedaDecision decision, bool changed)
    {
        Decisions.WithLabels(decision.CannotDecide ? "cannot_decide" : "decided", decision.Decision.Explanation.DrivingSignal ?? "none").Inc();
        DesiredReplicas.WithLabels(scaledObject.Namespace, scaledObject.Name).Set(decision.Decision.DesiredReplicas);
        if (changed)
        {
            DesiredChanges.WithLabels(scaledObject.Namespace, scaledObject.Name).Inc();
        }
    }
}
