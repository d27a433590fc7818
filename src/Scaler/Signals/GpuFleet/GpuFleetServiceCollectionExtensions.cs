using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scaler.Signals.PrometheusText;

namespace Scaler.Signals.GpuFleet;

internal static class GpuFleetServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="GpuFleetSource"/> as <see cref="ISignalSource{GpuFleetQuery}"/>, its options
    /// (section <c>Signals:GpuFleet</c>, validated at start) and the shared scraper. Needs an
    /// <c>IWorkloadPods</c> registered by the Kubernetes part.
    /// </summary>
    public static IServiceCollection AddGpuFleetSignals(this IServiceCollection services, Action<GpuFleetOptions>? configure = null)
    {
        services.AddMetricsScraper();
        var builder = services.AddOptions<GpuFleetOptions>().BindConfiguration(GpuFleetOptions.Section).ValidateOnStart();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GpuFleetOptions>, GpuFleetOptionsValidator>());
        // Read through the shared cache and resilience pipeline; pod scrapes refresh every 2 s.
        services
            .AddSignalSource<GpuFleetQuery, GpuFleetSource>(GpuFleetQuery.SourceName, o => o.RefreshInterval = TimeSpan.FromSeconds(2))
            .AddTriggerKeys<GpuFleetTriggerKeys>();
        foreach (var metric in GpuFleetPodMetrics.All)
        {
            services.AddPodMetric(metric);
        }

        return services;
    }
}
