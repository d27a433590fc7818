using Scaler.FrontDoors.Keda;
using Scaler.FrontDoors.MetricsApi;
using Scaler.FrontDoors.Page;
using Scaler.Leadership;
using Scaler.Signals;

namespace Scaler.Hosting;

/// <summary>The Scaler's composition, once: Program calls it, and so do the tests and benchmarks that host the Scaler.</summary>
internal static class ScalerApp
{
    /// <summary>The host (Kestrel's ports and TLS), the signal sources, who decides (leader election), the KEDA front door, the page and the custom metrics API.</summary>
    public static WebApplicationBuilder AddScaler(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddScalerHost();
        builder.Services.AddSignalSources();
        builder.Services.AddLeadership();
        builder.Services.AddKedaFrontDoor();
        builder.Services.AddDecisionPage();
        builder.Services.AddMetricsApi();
        return builder;
    }

    /// <summary>Health, readiness and metrics, the peer port's decisions for followers, the KEDA front door's gRPC services and decisions, the page, and the custom metrics API on the HTTPS port.</summary>
    public static WebApplication MapScaler(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapScalerEndpoints();
        app.MapPeerEndpoints();
        app.MapKedaFrontDoor();
        app.MapDecisionPage();
        app.MapMetricsApi();
        return app;
    }
}
