using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scaler.Signals.PrometheusText;

namespace Scaler.Signals.InferenceServer;

internal static class InferenceServerServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="InferenceQueueSource"/> as <see cref="ISignalSource{InferenceQueueQuery}"/> and
    /// <see cref="WorkSource"/> as <see cref="ISignalSource{WorkQuery}"/>, its
    /// options (section <c>Signals:InferenceServer</c>, validated at start) and the shared scraper. Needs an
    /// <c>IWorkloadPods</c> registered by the Kubernetes part.
    /// </summary>
    public static IServiceCollection AddInferenceServerSignals(this IServiceCollection services, Action<InferenceServerOptions>? configure = null)
    {
        services.AddMetricsScraper();
        var builder = services.AddOptions<InferenceServerOptions>().BindConfiguration(InferenceServerOptions.Section).ValidateOnStart();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InferenceServerOptions>, InferenceServerOptionsValidator>());
        // Read through the shared cache and resilience pipeline; pod scrapes refresh every 2 s.
        services
            .AddSignalSource<InferenceQueueQuery, InferenceQueueSource>(InferenceQueueQuery.SourceName, o => o.RefreshInterval = TimeSpan.FromSeconds(2))
            .AddSignalSource<WorkQuery, WorkSource>(WorkQuery.SourceName, o => o.RefreshInterval = TimeSpan.FromSeconds(2))
            .AddTriggerKeys<InferenceServerTriggerKeys>();
        foreach (var metric in InferenceServerPodMetrics.All)
        {
            services.AddPodMetric(metric);
        }

        return services;
    }
}
