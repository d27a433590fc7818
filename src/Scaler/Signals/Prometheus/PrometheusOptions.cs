using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Scaler.Signals.Prometheus;

/// <summary>
/// How the Prometheus source talks to its servers. Configuration section <c>Signals:prometheus</c>, the same
/// section as the source's <see cref="SignalSourceOptions"/> (refresh, timeouts, circuit).
/// </summary>
internal sealed class PrometheusOptions : IValidatableObject
{
    public const string Section = SignalsServiceCollectionExtensions.ConfigurationSection + ":" + PrometheusQuery.SourceName;

    /// <summary>
    /// Most HTTP connections open to one Prometheus server at once; more reads in flight wait for a free
    /// connection (inside their attempt timeout). Without a cap, a thousand refresh loops firing together open
    /// a thousand connections. Prometheus itself runs at most 20 queries at once by default
    /// (<c>--query.max-concurrency</c>) and queues the rest, so a few more connections than that lose nothing.
    /// Default 32.
    /// </summary>
    [Range(1, 1024)]
    public int MaxConnectionsPerServer { get; set; } = 32;

    /// <summary>
    /// A pooled connection is closed and reopened after this long, so a server that moved (a DNS change, a new
    /// Service endpoint) is picked up; the HTTP handler itself lives as long as the process. Default 2 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan PooledConnectionLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The Prometheus servers trigger metadata may name (<c>prometheusAddress</c>), in <see cref="HostAllowlist"/>
    /// form, e.g. <c>prometheus-operated.monitoring:9090</c> or <c>*.monitoring.svc</c>. Default empty: any server.
    /// </summary>
    public List<string> AllowedHosts { get; } = [];

    /// <summary>The allowlist <see cref="AllowedHosts"/> describes; throws naming every bad entry (never allows more than written).</summary>
    public HostAllowlist Allowlist() => HostAllowlist.Create(AllowedHosts, AllowedHostsSetting);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        _ = HostAllowlist.TryCreate(AllowedHosts, AllowedHostsSetting, out _, out var errors);
        return errors.Select(static e => new ValidationResult(e));
    }

    private static string AllowedHostsSetting => Section + ":" + nameof(AllowedHosts);

    /// <summary>
    /// How long a new connection may take to open. One that cannot be opened in time means the server is out of
    /// reach, which counts against its circuit; a query that is slow once connected is only that query's
    /// failure. Keep it below the source's attempt timeout (1 s). Default 750 ms.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromMilliseconds(750);

    /// <summary>
    /// The HTTP handler for <paramref name="ssl"/> (null: default trust), with this connection policy. Redirects
    /// are never followed: an answer from another host is not the server the trigger names (docs/signals.md).
    /// </summary>
    public SocketsHttpHandler CreateHandler(System.Net.Security.SslClientAuthenticationOptions? ssl = null)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = MaxConnectionsPerServer,
            PooledConnectionLifetime = PooledConnectionLifetime,
            ConnectTimeout = ConnectTimeout,
            AllowAutoRedirect = false,
            UseCookies = false,
        };
        if (ssl is not null)
        {
            handler.SslOptions = ssl;
        }

        return handler;
    }
}

[OptionsValidator]
internal sealed partial class PrometheusOptionsValidator : IValidateOptions<PrometheusOptions>;
