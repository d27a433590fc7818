using Microsoft.Extensions.DependencyInjection;

namespace Scaler.Signals.Prometheus;

/// <summary>The Prometheus source's registration line (the pattern every source follows in its own folder).</summary>
internal static class PrometheusServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="PrometheusSource"/> for <see cref="PrometheusQuery"/>, its pooled HTTP client and its options
    /// (named <c>prometheus</c>: refresh 5 s and the core defaults; override in <paramref name="configure"/> or
    /// configuration <c>Signals:prometheus</c>).
    /// </summary>
    public static IServiceCollection AddPrometheusSignals(this IServiceCollection services, Action<SignalSourceOptions>? configure = null)
    {
        services.AddHttpClient(PrometheusSource.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
            .ConfigureHttpClient(static client => client.Timeout = Timeout.InfiniteTimeSpan)

            // Request logging would add a line per read; the cache logs state changes instead.
            .RemoveAllLoggers();
        return services.AddSignalSource<PrometheusQuery, PrometheusSource>(PrometheusQuery.SourceName, configure);
    }
}
