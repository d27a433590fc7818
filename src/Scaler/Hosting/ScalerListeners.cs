using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Scaler.Hosting;

/// <summary>The Scaler's ports.</summary>
internal enum ScalerListener
{
    /// <summary>KEDA's gRPC (h2c or TLS).</summary>
    Grpc,

    /// <summary>Plain HTTP: health, metrics, decisions.</summary>
    Http,

    /// <summary>HTTPS: the custom metrics API and health.</summary>
    Https,

    /// <summary>Plain HTTP between replicas: a follower asks the leader for decisions (docs/availability.md).</summary>
    Peer,
}

/// <summary>
/// Which port a request came in on, whatever number the port got (tests bind port 0), and which endpoints
/// the HTTPS port serves: only those marked with <see cref="ServedOnHttpsPort{TBuilder}"/>; anything else
/// there is 404, so /metrics and /decisions stay on the plain HTTP port.
/// </summary>
internal static class ScalerListeners
{
    private static readonly object Key = typeof(ScalerListener);

    /// <summary>Tags every connection of the endpoint (a connection middleware; add it before <c>UseHttps</c>).</summary>
    public static ListenOptions Tag(this ListenOptions listen, ScalerListener listener)
    {
        listen.Use(next => connection =>
        {
            connection.Items[Key] = listener;
            return next(connection);
        });
        return listen;
    }

    /// <summary>The port the request came in on; null when not through one of the Scaler's listeners (a test server).</summary>
    public static ScalerListener? Of(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(Key, out var value) == true ? value as ScalerListener? : null;

    /// <summary>Serves the endpoint on the HTTPS port too.</summary>
    public static TBuilder ServedOnHttpsPort<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(HttpsPortEndpoint.Instance);

    /// <summary>Serves the endpoint on the peer port, and only there.</summary>
    public static TBuilder ServedOnPeerPortOnly<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(PeerPortEndpoint.Instance);

    /// <summary>
    /// Answers 404 on the HTTPS port for endpoints not marked for it, on the peer port for anything but the peer
    /// endpoints, and for the peer endpoints on any other port. Runs after routing.
    /// </summary>
    public static IApplicationBuilder UseHttpsPortEndpointsOnly(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var listener = Of(context);
        var metadata = context.GetEndpoint()?.Metadata;
        var peerEndpoint = metadata?.GetMetadata<PeerPortEndpoint>() is not null;
        var refused = listener switch
        {
            ScalerListener.Https => metadata?.GetMetadata<HttpsPortEndpoint>() is null,
            ScalerListener.Peer => !peerEndpoint,
            null => false,
            _ => peerEndpoint,
        };
        if (refused)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return next(context);
    });

    private sealed class HttpsPortEndpoint
    {
        public static readonly HttpsPortEndpoint Instance = new();
    }

    private sealed class PeerPortEndpoint
    {
        public static readonly PeerPortEndpoint Instance = new();
    }
}
