using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Scaler.Signals.PrometheusText;

internal static class MetricsScraperServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="MetricsScraper"/> on a named <see cref="HttpClient"/> whose handler is kept for
    /// the process (keep-alive connections to every exporter survive between refreshes; the handler
    /// recycles them itself) and whose per-request logging is off (thousands of scrapes per refresh).
    /// </summary>
    public static IServiceCollection AddMetricsScraper(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(MetricsScraper.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(ScrapeHandler.Create)
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
        services.TryAddSingleton(sp => new MetricsScraper(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(MetricsScraper.HttpClientName),
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
