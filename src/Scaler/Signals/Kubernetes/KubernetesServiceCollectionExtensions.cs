using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scaler.Durations;

namespace Scaler.Signals.Kubernetes;

internal static class KubernetesServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IWorkloadPods"/>: the watch caches of <see cref="KubernetesWorkloadPods"/> when a
    /// cluster is configured (see <see cref="KubernetesCluster.Connect"/>), and <see cref="IScaleTargets"/> (workloads
    /// read through their <c>/scale</c>); else implementations that answer
    /// unknown with the reason and logs it once. Binds <see cref="KubernetesOptions"/> from
    /// <c>Scaler:Kubernetes</c>, validated at start. A hosted service starts the exporter cache at start and
    /// stops every watch at shutdown. TryAdd*: tests register their own <see cref="KubernetesCluster"/> (a fake
    /// API server) or <see cref="IWorkloadPods"/> first.
    /// </summary>
    internal static IServiceCollection AddKubernetesWorkloads(this IServiceCollection services, Action<KubernetesOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        DurationConverter.Register();

        var options = services.AddOptions<KubernetesOptions>().BindConfiguration(KubernetesOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(
                static o => LabelSelector.TryParse(o.ExporterSelector, nameof(KubernetesOptions.ExporterSelector), out _, out _),
                $"{KubernetesOptions.SectionName}:{nameof(KubernetesOptions.ExporterSelector)} is not a valid label selector; {LabelSelector.ExpectedForm}")
            .Validate(static o => o.MaxBackoff >= o.InitialBackoff, $"{KubernetesOptions.SectionName}:{nameof(KubernetesOptions.MaxBackoff)} must be at least {nameof(KubernetesOptions.InitialBackoff)}")
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesOptions>, KubernetesOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => KubernetesCluster.Connect(sp.GetRequiredService<IOptions<KubernetesOptions>>().Value));
        services.TryAddSingleton<IWorkloadPods>(static sp =>
        {
            var cluster = sp.GetRequiredService<KubernetesCluster>();
            return cluster.Client is { } client
                ? new KubernetesWorkloadPods(
                    client,
                    sp.GetRequiredService<IOptions<KubernetesOptions>>().Value,
                    sp.GetRequiredService<TimeProvider>(),
                    sp.GetRequiredService<ILogger<KubernetesWorkloadPods>>(),
                    sp.GetRequiredService<IScaleTargets>())
                : new UnavailableWorkloadPods(cluster.UnavailableReason ?? KubernetesCluster.NoClusterReason, sp.GetRequiredService<ILogger<UnavailableWorkloadPods>>());
        });
        services.TryAddSingleton<IScaleTargets>(static sp =>
        {
            var cluster = sp.GetRequiredService<KubernetesCluster>();
            return cluster.Client is { } client
                ? new KubernetesScaleTargets(client, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<KubernetesScaleTargets>>())
                : new UnavailableScaleTargets(cluster.UnavailableReason ?? KubernetesCluster.NoClusterReason);
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KubernetesWatchService>());
        return services;
    }
}
