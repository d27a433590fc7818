namespace Scaler.Signals.InferenceServer;

/// <summary>What one pod's metrics say: the pending and in-flight sums, and whether each gauge was there.</summary>
internal readonly record struct QueueFigures(double Pending, int PendingSeries, double InFlight, int InFlightSeries);
