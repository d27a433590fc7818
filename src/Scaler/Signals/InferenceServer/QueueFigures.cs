namespace Scaler.Signals.InferenceServer;

/// <summary>
/// What one pod's metrics say: the pending and in-flight sums, whether each gauge was there, and how many of
/// their series held no count (NaN, ±Inf or negative), which are left out of the sums.
/// </summary>
internal readonly record struct QueueFigures(double Pending, int PendingSeries, double InFlight, int InFlightSeries, int UnusableSeries = 0);
