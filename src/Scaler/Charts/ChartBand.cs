namespace Scaler.Charts;

/// <summary>A shaded span of X behind the series (a signal unknown, a workload inactive), with what it means as its tooltip.</summary>
internal sealed record ChartBand(double From, double To, string Fill, string Label);
