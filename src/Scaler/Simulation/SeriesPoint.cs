namespace Scaler.Simulation;

/// <summary>One chart point: mean load and replicas over a bucket.</summary>
internal readonly record struct SeriesPoint(double AtSeconds, double ArrivalsPerSecond, double Replicas, double ReadyReplicas);
