using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;

namespace Scaler.Hosting;

internal static class ScalerHost
{
    /// <summary>
    /// Kestrel: an HTTP/2-only endpoint for gRPC (plaintext h2c needs one; with TLS, ALPN offers h2 only), an
    /// HTTP/1.1 endpoint for the rest, and an HTTPS endpoint (docs/keda-tls.md). Settings are checked here and
    /// certificate files when the host is built (Kestrel resolves its options then); either failure stops
    /// start-up, before anything listens, naming the setting.
    /// </summary>
    public static WebApplicationBuilder AddScalerHost(this WebApplicationBuilder builder)
    {
        var options = ScalerHostOptions.Read(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<ScalerTls>();
        var peers = builder.Configuration.GetValue<bool>(Leadership.LeadershipOptions.Section + ":" + nameof(Leadership.LeadershipOptions.Enabled));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var tls = kestrel.ApplicationServices.GetRequiredService<ScalerTls>();
            kestrel.AddServerHeader = false;
            kestrel.Limits.Http2.MaxStreamsPerConnection = options.MaxStreamsPerConnection;
            var address = IPAddress.Parse(options.Address);
            kestrel.Listen(address, options.GrpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.Tag(ScalerListener.Grpc);
                if (tls.Grpc is { } grpc)
                {
                    listen.UseHttps(grpc.HandshakeCallback());
                }
            });
            kestrel.Listen(address, options.HttpPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;
                listen.Tag(ScalerListener.Http);
            });
            kestrel.Listen(address, options.HttpsPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.Tag(ScalerListener.Https);
                listen.UseHttps(tls.Https.HandshakeCallback());
            });
            // Only replicas that elect a leader talk to each other; a Scaler alone (a laptop, the demo) binds no peer port.
            if (peers)
            {
                kestrel.Listen(address, options.PeerPort, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1;
                    listen.Tag(ScalerListener.Peer);
                });
            }
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        return builder;
    }

    /// <summary>
    /// /healthz, /readyz and /metrics on the HTTP port; /healthz and /readyz on the HTTPS port, which answers
    /// 404 for every endpoint not marked <see cref="ScalerListeners.ServedOnHttpsPort{TBuilder}"/>.
    /// </summary>
    public static WebApplication MapScalerEndpoints(this WebApplication app)
    {
        app.UseHttpsPortEndpointsOnly();
        app.MapGet("/healthz", () => "ok").ServedOnHttpsPort();
        // Ready once the host has started; the front doors serve from the last good signals from then on.
        app.MapGet("/readyz", () => "ok").ServedOnHttpsPort();
        // The registry the signal layer and the doors write to (prometheus-net's default unless one is registered).
        app.MapMetrics("/metrics", app.Services.GetRequiredService<CollectorRegistry>());
        return app;
    }
}
