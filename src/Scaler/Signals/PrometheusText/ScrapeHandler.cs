using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Scaler.Signals.PrometheusText;

/// <summary>The HTTP handler scrapes use: pooled keep-alive connections, no proxy (pod IPs are cluster-internal), no redirects.</summary>
internal static class ScrapeHandler
{
    public static SocketsHttpHandler Create() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.GZip,
        // Connections to thousands of exporters are reused across refreshes, and recycled so a
        // pod IP reused by another pod is not held forever.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        MaxConnectionsPerServer = 4,
    };
}
