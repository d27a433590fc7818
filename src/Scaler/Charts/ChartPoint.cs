namespace Scaler.Charts;

/// <summary>One point of a series; a NaN <paramref name="Y"/> is "no value" (a gap), never 0.</summary>
internal readonly record struct ChartPoint(double X, double Y);
