using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Scaler.FrontDoors.Keda;

internal static class KedaServiceCollectionExtensions
{
    /// <summary>The KEDA external scaler: gRPC, reflection, grpc.health.v1, and the decisions behind it.</summary>
    public static IServiceCollection AddKedaFrontDoor(this IServiceCollection services)
    {
        services.AddGrpc();
        services.AddGrpcReflection();
        services.TryAddSingleton(Prometheus.Metrics.DefaultRegistry);
        services.TryAddSingleton<KedaMetrics>();
        services.TryAddSingleton<KedaDecisions>();
        services.TryAddSingleton(_ =>
        {
            var health = new HealthServiceImpl();
            health.SetStatus(string.Empty, HealthCheckResponse.Types.ServingStatus.Serving);
            health.SetStatus(Protocol.ExternalScaler.Descriptor.FullName, HealthCheckResponse.Types.ServingStatus.Serving);
            return health;
        });
        return services;
    }

    /// <summary>Maps the gRPC services (served on the HTTP/2-only endpoint) and the decision explanations (HTTP).</summary>
    public static WebApplication MapKedaFrontDoor(this WebApplication app)
    {
        app.MapGrpcService<KedaExternalScaler>();
        app.MapGrpcService<HealthServiceImpl>();
        app.MapGrpcReflectionService();

        // Each ScaledObject's last decision with its explanation: GET /decisions, GET /decisions/{namespace}/{name}.
        app.MapGet("/decisions", ([Microsoft.AspNetCore.Mvc.FromServices] KedaDecisions decisions) => Results.Json(
            decisions.Latest.OrderBy(d => d.ScaledObject.Namespace, StringComparer.Ordinal).ThenBy(d => d.ScaledObject.Name, StringComparer.Ordinal)
                .Select(d => DecisionView.From(d.ScaledObject, d.Decision)).ToArray(),
            DecisionJsonContext.Default.DecisionViewArray));
        app.MapGet("/decisions/{namespace}/{name}", (string @namespace, string name, [Microsoft.AspNetCore.Mvc.FromServices] KedaDecisions decisions) =>
            decisions.LatestFor(new ScaledObjectKey(@namespace, name)) is { } decision
                ? Results.Json(DecisionView.From(new ScaledObjectKey(@namespace, name), decision), DecisionJsonContext.Default.DecisionView)
                : Results.NotFound());
        return app;
    }
}

/// <summary>A decision as the explanation endpoint serves it.</summary>
internal sealed record DecisionView(
    string Namespace,
    string Name,
    DateTimeOffset At,
    int DesiredReplicas,
    int CurrentReplicas,
    int ReadyReplicas,
    string Activity,
    bool CannotDecide,
    string? DrivingSignal,
    string[] Rules,
    string Explanation)
{
    public static DecisionView From(ScaledObjectKey scaledObject, KedaDecision decision) => new(
        scaledObject.Namespace,
        scaledObject.Name,
        decision.At,
        decision.Decision.DesiredReplicas,
        decision.Replicas.Current,
        decision.Replicas.Ready,
        decision.Decision.Activity.ToString(),
        decision.CannotDecide,
        decision.Decision.Explanation.DrivingSignal,
        [.. decision.Decision.Explanation.Rules.Select(r => Decisions.Explanation.Name(r.Rule))],
        decision.Reason);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(DecisionView))]
[System.Text.Json.Serialization.JsonSerializable(typeof(DecisionView[]))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class DecisionJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
