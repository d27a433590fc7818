using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scaler.Durations;
using Scaler.Leadership;
using Scaler.Triggers;

namespace Scaler.FrontDoors.Keda;

internal static class KedaServiceCollectionExtensions
{
    /// <summary>
    /// The KEDA external scaler: gRPC, reflection, grpc.health.v1 (SERVING for "" and the KEDA service, NOT_SERVING
    /// once the host is stopping), the decisions behind it, and the writer of
    /// decisions as Kubernetes Events (<see cref="KedaEventWriter"/>, options <c>Scaler:Events</c> validated at
    /// start; it needs the <c>KubernetesCluster</c> that <c>AddKubernetesWorkloads</c> registers).
    /// </summary>
    public static IServiceCollection AddKedaFrontDoor(this IServiceCollection services)
    {
        DurationConverter.Register();
        services.AddOptions<KedaEventsOptions>().BindConfiguration(KedaEventsOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KedaEventsOptions>, KedaEventsOptionsValidator>());
        services.TryAddSingleton<KedaEventWriter>();
        services.AddHostedService(static sp => sp.GetRequiredService<KedaEventWriter>());
        services.AddGrpc();
        services.AddGrpcReflection();
        services.TryAddSingleton(Prometheus.Metrics.DefaultRegistry);
        services.TryAddSingleton<KedaMetrics>();
        services.AddTriggerParser();
        services.AddTriggerLimits();
        services.AddLeadership();
        services.TryAddSingleton<KedaTriggerCache>();
        services.TryAddSingleton<ReplicaCounter>();
        services.TryAddSingleton<KedaDecisions>();
        services.TryAddSingleton<ForgottenMemoryTrim>();
        services.AddHostedService(static sp => sp.GetRequiredService<ForgottenMemoryTrim>());

        // This replica's decisions, while it leads (LeaderDecisions forwards to the leader otherwise).
        services.TryAddSingleton<ITriggerDecider>(static sp => sp.GetRequiredService<KedaDecisions>());
        services.TryAddSingleton(static sp =>
        {
            string[] served = [string.Empty, Protocol.ExternalScaler.Descriptor.FullName];
            var health = new DrainingHealthService(sp.GetRequiredService<IHostApplicationLifetime>());
            foreach (var service in served)
            {
                health.SetStatus(service, HealthCheckResponse.Types.ServingStatus.Serving);
            }

            // NOT_SERVING as soon as shutdown begins, while the listeners still accept: gRPC probes and Watch
            // streams see it before the port closes. Registered on a token already cancelled, it runs at once.
            sp.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() =>
            {
                foreach (var service in served)
                {
                    health.SetStatus(service, HealthCheckResponse.Types.ServingStatus.NotServing);
                }
            });
            return health;
        });
        return services;
    }

    /// <summary>Maps the gRPC services (served on the HTTP/2-only endpoint) and the decision explanations (HTTP, JSON; the page for a person is FrontDoors/Page).</summary>
    public static WebApplication MapKedaFrontDoor(this WebApplication app)
    {
        app.MapGrpcService<KedaExternalScaler>();
        app.MapGrpcService<DrainingHealthService>();
        app.MapGrpcReflectionService();

        // Each trigger's last decision with its explanation: GET /decisions (one item per trigger), and
        // GET /decisions/{namespace}/{name}: the trigger whose count the HPA follows (the highest, as the HPA
        // takes the maximum over metrics) at the top level, as before, and every trigger under "triggers".
        app.MapGet("/decisions", ([Microsoft.AspNetCore.Mvc.FromServices] KedaDecisions decisions) => Results.Json(
            decisions.Latest.OrderBy(d => d.Trigger.ScaledObject.Namespace, StringComparer.Ordinal).ThenBy(d => d.Trigger.ScaledObject.Name, StringComparer.Ordinal)
                .ThenBy(d => d.Trigger.MetricName, StringComparer.Ordinal)
                .Select(d => DecisionView.From(d.Trigger, d.Decision)).ToArray(),
            DecisionJsonContext.Default.DecisionViewArray));
        app.MapGet("/decisions/{namespace}/{name}", (string @namespace, string name, [Microsoft.AspNetCore.Mvc.FromServices] KedaDecisions decisions) =>
        {
            var scaledObject = new ScaledObjectKey(@namespace, name);
            var triggers = decisions.LatestFor(scaledObject);
            if (triggers.Count == 0)
            {
                return Results.NotFound();
            }

            var leading = triggers.OrderBy(d => d.Decision.CannotDecide).ThenByDescending(d => d.Decision.DesiredReplicas).First();
            return Results.Json(
                DecisionView.From(leading.Trigger, leading.Decision) with { Triggers = [.. triggers.Select(d => DecisionView.From(d.Trigger, d.Decision))] },
                DecisionJsonContext.Default.DecisionView);
        });
        return app;
    }
}
