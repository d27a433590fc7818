using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Prometheus;
using Scaler.FrontDoors.Keda;
using Scaler.Signals.GpuFleet;
using Scaler.Signals.InferenceServer;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.Prometheus;
using Scaler.Signals.RabbitMq;

namespace Scaler.Hosting;

internal static class ScalerHost
{
    /// <summary>Kestrel: an HTTP/2-only endpoint for gRPC (plaintext h2c needs one), an HTTP/1.1 endpoint for the rest.</summary>
    public static WebApplicationBuilder AddScalerHost(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(ScalerHostOptions.Section).Get<ScalerHostOptions>() ?? new ScalerHostOptions();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.Http2.MaxStreamsPerConnection = options.MaxStreamsPerConnection;
            var address = IPAddress.Parse(options.Address);
            kestrel.Listen(address, options.GrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(address, options.HttpPort, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        return builder;
    }

    /// <summary>The signal sources and the Kubernetes view they share.</summary>
    public static IServiceCollection AddSignalSources(this IServiceCollection services) => services
        .AddKubernetesWorkloads()
        .AddPrometheusSignals()
        .AddRabbitMqSignals()
        .AddGpuFleetSignals()
        .AddInferenceServerSignals();

    /// <summary>/healthz and /metrics on the HTTP endpoint.</summary>
    public static WebApplication MapScalerEndpoints(this WebApplication app)
    {
        app.MapGet("/healthz", () => "ok");
        // The registry the signal layer and the doors write to (prometheus-net's default unless one is registered).
        app.MapMetrics("/metrics", app.Services.GetRequiredService<CollectorRegistry>());
        return app;
    }
}
