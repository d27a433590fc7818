namespace Scaler.Signals.PrometheusText;

/// <summary>How a fan-out of scrapes is bounded: each scrape's deadline and body size, and how many run at once.</summary>
internal readonly record struct ScrapeLimits(TimeSpan Timeout, int MaxResponseBytes, int MaxConcurrency);
