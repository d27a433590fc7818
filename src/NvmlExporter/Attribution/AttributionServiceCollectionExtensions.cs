using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NvmlExporter.Hosting;

namespace NvmlExporter.Attribution;

public static class AttributionServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="AttributionStore"/> (always: with attribution disabled it stays
    /// <see cref="DeviceAttribution.None"/>) and, when <see cref="ExporterOptions.Attribution"/> is true,
    /// the pod-resources client for <see cref="ExporterOptions.PodResourcesSocket"/> and the
    /// <see cref="AttributionService"/> listing it every <see cref="ExporterOptions.AttributionInterval"/>.
    /// Uses TryAdd*, so tests can register their own <see cref="IPodResourcesSource"/> or <see cref="TimeProvider"/> first.
    /// </summary>
    public static IServiceCollection AddPodAttribution(this IServiceCollection services, ExporterOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);

        services.TryAddSingleton<AttributionStore>();
        if (!options.Attribution)
        {
            return services;
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IPodResourcesSource>(_ => new PodResourcesClient(options.PodResourcesSocket));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AttributionService>(sp => new AttributionService(
            sp.GetRequiredService<IPodResourcesSource>(),
            sp.GetRequiredService<AttributionStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AttributionService>>(),
            options.AttributionInterval)));
        return services;
    }
}
