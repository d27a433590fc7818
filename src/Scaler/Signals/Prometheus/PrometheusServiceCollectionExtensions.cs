using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Scaler.Signals.Prometheus;

/// <summary>The Prometheus source's registration line (the pattern every source follows in its own folder).</summary>
internal static class PrometheusServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="PrometheusSource"/> for <see cref="PrometheusQuery"/>, its HTTP client, its connection policy
    /// (<see cref="PrometheusOptions"/>) and its refresh options (named <c>prometheus</c>: refresh 5 s and the
    /// core defaults; override in <paramref name="configure"/> or configuration <c>Signals:prometheus</c>).
    /// </summary>
    public static IServiceCollection AddPrometheusSignals(this IServiceCollection services, Action<SignalSourceOptions>? configure = null)
    {
        services.AddOptions<PrometheusOptions>()
            .Configure<IServiceProvider>(static (options, provider) => provider.GetService<IConfiguration>()?.GetSection(PrometheusOptions.Section).Bind(options))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PrometheusOptions>, PrometheusOptionsValidator>());
        services.AddHttpClient(PrometheusSource.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(static sp => sp.GetRequiredService<IOptions<PrometheusOptions>>().Value.CreateHandler())

            // One handler for the process: the factory's default 2-minute rotation would leave each old pool's
            // connections open until they idle out. DNS changes are honoured by PooledConnectionLifetime instead.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .ConfigureHttpClient(static client => client.Timeout = Timeout.InfiniteTimeSpan)

            // Request logging would add a line per read; the cache logs state changes instead.
            .RemoveAllLoggers();
        return services
            .AddSignalSource<PrometheusQuery, PrometheusSource>(PrometheusQuery.SourceName, configure)
            .AddTriggerKeys<PrometheusTriggerKeys>();
    }
}
