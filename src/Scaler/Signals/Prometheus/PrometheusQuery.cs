using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Scaler.Signals.Prometheus;

/// <summary>
/// An instant query against one Prometheus (or Thanos, Mimir, VictoriaMetrics: anything serving
/// <c>/api/v1/query</c>). Immutable: built once from trigger metadata, its <see cref="Key"/> computed once.
/// The key and <see cref="ToString"/> never hold a credential: a secret is represented by a keyed hash
/// whose key lives only in this process, so two triggers with different tokens do not share a reading.
/// </summary>
internal sealed record PrometheusQuery : SignalQuery
{
    public const string SourceName = "prometheus";

    // Per-process key of the credential tags in Key: not reversible offline, not stable across restarts (it need not be).
    private static readonly byte[] TagKey = RandomNumberGenerator.GetBytes(32);

    private readonly string _key;
    private readonly string _upstream;

    /// <param name="serverAddress">Base URL of the server (<c>http://prometheus:9090</c>, or with a path prefix <c>http://thanos/prom</c>); no user info.</param>
    /// <param name="query">The PromQL expression; must evaluate to a scalar or an instant vector of at most one series.</param>
    /// <param name="auth">Bearer or basic credentials, from the scaler's own configuration or a <c>*FromEnv</c> key.</param>
    /// <param name="tls">Trust and client certificate for an https server.</param>
    /// <param name="treatEmptyAsZero">
    /// Explicit opt-in: an empty result (no series) reads as 0 instead of unavailable. Default false, unlike
    /// KEDA's <c>ignoreNullValues=true</c> default, which turned a Prometheus outage into "0" and scaled
    /// production to its minimum (KEDA #3065). NaN and ±Inf stay unavailable either way.
    /// </param>
    public PrometheusQuery(Uri serverAddress, string query, PrometheusAuth? auth = null, PrometheusTls? tls = null, bool treatEmptyAsZero = false)
    {
        ArgumentNullException.ThrowIfNull(serverAddress);
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        if (!serverAddress.IsAbsoluteUri || (serverAddress.Scheme != Uri.UriSchemeHttp && serverAddress.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("The Prometheus server address must be an absolute http:// or https:// URL.", nameof(serverAddress));
        }

        if (!string.IsNullOrEmpty(serverAddress.UserInfo))
        {
            throw new ArgumentException("The Prometheus server address must not carry credentials; use basic auth settings instead.", nameof(serverAddress));
        }

        if (!string.IsNullOrEmpty(serverAddress.Query) || !string.IsNullOrEmpty(serverAddress.Fragment))
        {
            throw new ArgumentException("The Prometheus server address must not have a query string or fragment.", nameof(serverAddress));
        }

        ServerAddress = serverAddress;
        Query = query;
        Auth = auth;
        Tls = tls;
        TreatEmptyAsZero = treatEmptyAsZero;
        var root = serverAddress.AbsoluteUri.EndsWith('/') ? serverAddress.AbsoluteUri : serverAddress.AbsoluteUri + "/";
        QueryUri = new Uri(root + "api/v1/query?query=" + Uri.EscapeDataString(query));
        // The TLS setting is part of the endpoint: a wrong CA fails the handshake for its own reads only.
        _upstream = serverAddress.GetLeftPart(UriPartial.Authority) + (tls is null ? "" : "|tls=" + tls.Tag);
        _key = string.Create(CultureInfo.InvariantCulture, $"{SourceName}|{serverAddress.AbsoluteUri}|{query}|empty={(treatEmptyAsZero ? "zero" : "unavailable")}|auth={auth?.Tag(TagKey) ?? "none"}|tls={tls?.Tag ?? "default"}");
    }

    public Uri ServerAddress { get; }

    public string Query { get; }

    public PrometheusAuth? Auth { get; }

    public PrometheusTls? Tls { get; }

    public bool TreatEmptyAsZero { get; }

    /// <summary>The instant-query URL; evaluation time is the server's now (no <c>time=</c>, so our clock's skew does not matter).</summary>
    public Uri QueryUri { get; }

    public override string Source => SourceName;

    public override string Key => _key;

    /// <summary>The server's scheme, host and port, for reasons and logs.</summary>
    public string Server => ServerAddress.GetLeftPart(UriPartial.Authority);

    /// <summary>The server (scheme, host, port, and the TLS setting if any): reads to one server share a circuit.</summary>
    public override string Upstream => _upstream;

    public override string ToString() => _key;
}
