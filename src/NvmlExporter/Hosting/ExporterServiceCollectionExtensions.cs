using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using NvmlExporter.Attribution;
using NvmlExporter.Interop;
using NvmlExporter.Metrics;
using NvmlExporter.Sampling;

namespace NvmlExporter.Hosting;

public static class ExporterServiceCollectionExtensions
{
    /// <summary>Registers NVML (one init reference owned by the container), the sampler, and the metrics document.</summary>
    public static IServiceCollection AddNvmlSampling(this IServiceCollection services, ExporterOptions options)
    {
        services.TryAddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<INvml>(_ => new NvmlLibrary(options.LibraryPath));
        services.TryAddSingleton<XidStore>();
        services.TryAddSingleton(sp => new NvmlSampler(
            sp.GetRequiredService<INvml>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<NvmlSampler>>(),
            xids: sp.GetRequiredService<XidStore>(),
            callTimeout: options.CallTimeout));
        services.TryAddSingleton<SamplerHeartbeat>();
        services.TryAddSingleton(_ => new MetricsRenderer(options.Hostname, options.DcgmHostnameLabel, options.PodSeries));
        services.TryAddSingleton<AttributionStore>();
        services.TryAddSingleton(sp => new MetricsDocument(
            sp.GetRequiredService<MetricsRenderer>(),
            sp.GetRequiredService<AttributionStore>(),
            sp.GetRequiredService<TimeProvider>(),
            options.Attribution));
        services.AddHostedService(sp => new SamplingService(
            sp.GetRequiredService<NvmlSampler>(),
            sp.GetRequiredService<MetricsDocument>(),
            sp.GetRequiredService<SamplerHeartbeat>(),
            options.Interval,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SamplingService>>(),
            options.CallTimeout * 2));
        services.AddHostedService(sp => new XidWatcher(
            sp.GetRequiredService<INvml>(),
            sp.GetRequiredService<MetricsDocument>(),
            sp.GetRequiredService<XidStore>(),
            sp.GetRequiredService<ILogger<XidWatcher>>()));
        return services;
    }
}

public static class ExporterEndpointRouteBuilderExtensions
{
    private const string ExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary><c>/metrics</c>, <c>/healthz</c> (liveness), <c>/readyz</c> (readiness) and <c>/health</c> (dcgm-exporter's path, as liveness).</summary>
    public static WebApplication MapExporterEndpoints(this WebApplication app)
    {
        app.MapGet("/metrics", static context =>
        {
            var document = context.RequestServices.GetRequiredService<MetricsDocument>();
            context.Response.ContentType = ExpositionContentType;
            return document.WriteAsync(context.Response.Body, context.RequestAborted);
        });

        // Liveness fails only when the sampling loop has stopped beating for long (a wedged driver
        // call): a restart is then the one remedy. NVML being down is not a reason to restart.
        app.MapGet("/healthz", static context => Health(context, live: true));

        // dcgm-exporter's health path, which its charts probe for both liveness and readiness: answered
        // like /healthz, so such a probe never restarts the pod because NVML is down.
        app.MapGet("/health", static context => Health(context, live: true));

        // Readiness: the loop completed a cycle recently (NVML up or not: health metrics are served either way).
        app.MapGet("/readyz", static context => Health(context, live: false));
        return app;
    }

    private static Task Health(HttpContext context, bool live)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<ExporterOptions>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var last = services.GetRequiredService<SamplerHeartbeat>().Last;
        var limit = live
            ? TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(60).Ticks, options.Interval.Ticks * 10))
            : TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(10).Ticks, options.Interval.Ticks * 3));
        var healthy = last is { } beat ? now - beat <= limit : live;
        context.Response.StatusCode = healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "text/plain";
        return context.Response.WriteAsync(healthy ? "ok\n" : last is null ? "no sample yet\n" : "sampling stalled\n");
    }
}
