using System.Globalization;

namespace Scaler.Simulation;

/// <summary>
/// How old each kind of signal is when a policy reads it, with defaults that match a cluster
/// (docs/simulator.md gives the sources) and an instant preset that reproduces the first reports.
/// </summary>
internal sealed record SignalAges
{
    /// <summary>
    /// Pods (and exporters) scraped by the Scaler itself. KEDA keeps an <c>external-push</c> trigger's stream
    /// open, and a watched key refreshes every 500 ms (<c>PushRefreshInterval</c>); a pull-only
    /// <c>external</c> trigger would read its 5 s <c>RefreshInterval</c>.
    /// </summary>
    public SignalAge Pods { get; init; } = SignalAge.Every(TimeSpan.FromMilliseconds(500));

    /// <summary>
    /// A server gauge read through Prometheus (KEDA's Prometheus trigger, prometheus-adapter): the value of the
    /// last scrape, every 30 s (a common ServiceMonitor interval; Prometheus' own default is 1 min).
    /// </summary>
    public SignalAge Prometheus { get; init; } = SignalAge.Every(TimeSpan.FromSeconds(30));

    /// <summary>
    /// GPU utilization through dcgm-exporter (collects every 30 s by default), scraped by Prometheus every
    /// 30 s, read by prometheus-adapter: 0-60 s old.
    /// </summary>
    public SignalAge Dcgm { get; init; } = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(7.5),
        new SignalAge(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(22.5)));

    /// <summary>Every signal exact and current, as the first reports assumed.</summary>
    public static SignalAges Instant { get; } = new()
    {
        Pods = SignalAge.Instant,
        Prometheus = SignalAge.Instant,
        Dcgm = SignalAge.Instant,
    };

    /// <summary>The oldest value any source can hand over.</summary>
    public TimeSpan MaxAge => new[] { Pods.MaxAge, Prometheus.MaxAge, Dcgm.MaxAge }.Max();

    public string Describe() => this == Instant
        ? "signals exact and instant"
        : string.Create(CultureInfo.InvariantCulture, $"signal ages: pods scraped by the Scaler {Pods}, Prometheus {Prometheus}, DCGM {Dcgm}");
}
