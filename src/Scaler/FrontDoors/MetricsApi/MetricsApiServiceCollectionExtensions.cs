using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scaler.Durations;
using Scaler.Hosting;
using Scaler.Leadership;
using Scaler.Triggers;

namespace Scaler.FrontDoors.MetricsApi;

internal static class MetricsApiServiceCollectionExtensions
{
    /// <summary>
    /// The custom metrics API: options (<c>Scaler:MetricsApi</c>, validated at start), the aggregator's
    /// request-header settings kept current in the background, authentication, authorization, the workload
    /// decisions (asked through the leader, <c>AddLeadership</c>) and the handler. Needs the signal sources and the
    /// Kubernetes view (<c>AddSignalSources</c>).
    /// </summary>
    public static IServiceCollection AddMetricsApi(this IServiceCollection services)
    {
        DurationConverter.Register();
        services.AddOptions<MetricsApiOptions>().BindConfiguration(MetricsApiOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MetricsApiOptions>, MetricsApiOptionsValidator>());
        services.AddTriggerParser();
        services.TryAddSingleton<RequestHeaderSource>();
        services.AddHostedService(static sp => sp.GetRequiredService<RequestHeaderSource>());
        services.TryAddSingleton<MetricsApiAuthenticator>();
        services.TryAddSingleton<MetricsApiAuthorizer>();
        services.TryAddSingleton<WorkloadDecisions>();
        services.TryAddSingleton<IScaleTargetDecider, ScaleTargetDecider>();
        services.TryAddSingleton<MetricsApiHandler>();
        return services;
    }

    /// <summary>Serves <c>/apis/...</c> on the HTTPS port (the aggregator's and kubectl's requests).</summary>
    public static WebApplication MapMetricsApi(this WebApplication app)
    {
        var handler = app.Services.GetRequiredService<MetricsApiHandler>();
        app.Map("/apis", handler.HandleAsync).ServedOnHttpsPort();
        app.Map("/apis/{**path}", handler.HandleAsync).ServedOnHttpsPort();
        return app;
    }
}
