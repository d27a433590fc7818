using System.Globalization;
using Microsoft.Extensions.Options;
using Scaler.Signals.Keys;

namespace Scaler.Signals.Prometheus;

/// <summary>The keys of pending requests read from Prometheus: the server, the PromQL query, an optional bearer token, and the pending-requests target and activation.</summary>
internal sealed class PrometheusTriggerKeys(IOptions<PrometheusOptions> options) : ITriggerKeys
{
    public const string PrometheusAddress = "prometheusAddress";
    public const string PendingRequestsQuery = "pendingRequestsQuery";
    public const string PrometheusBearerTokenFromEnv = "prometheusBearerTokenFromEnv";

    private static readonly DemandSignal PendingRequests = DemandSignal.PendingRequests;

    private readonly HostAllowlist _allowed = options.Value.Allowlist();

    public IReadOnlyList<TriggerKey> Keys { get; } =
    [
        new(PrometheusAddress, "http(s) URL", "–", "http://prometheus.monitoring:9090", "Signal `pending-requests` from Prometheus instead of the pods; needs `pendingRequestsQuery`. No user info, query or fragment.", "an http:// or https:// URL without user info, query or fragment, such as http://prometheus.monitoring:9090")
        {
            Secret = true,
            Habits = ["serverAddress", "prometheusAddressFromEnv"],
        },
        new(PendingRequestsQuery, "PromQL", "–", "sum(vllm:num_requests_waiting{model_name=\"llama\"}) or vector(0)", "Must return a scalar or one series. An empty result is *unavailable*, not 0: write `or vector(0)` when \"no series\" means \"no requests\".", "a PromQL expression returning one value, such as 'sum(vllm:num_requests_waiting) or vector(0)'")
        {
            Habits = ["query"],
        },
        new(PrometheusBearerTokenFromEnv, "env var name", "none", "PROM_TOKEN", "Bearer token for `prometheusAddress`, from the scale target's container env (KEDA resolves it; TriggerAuthentication is not forwarded to external scalers, KEDA #2571).", "the name of an environment variable of the scale target's container that holds a bearer token")
        {
            Secret = true,
            UsedWith = PrometheusAddress,
        },
        .. PendingRequests.Keys,
    ];

    public IReadOnlyList<string> SwitchKeys { get; } = [PrometheusAddress, PendingRequestsQuery];

    public string Usage => $"pending requests from Prometheus ({PrometheusAddress} + {PendingRequestsQuery})";

    public string Example => Usage;

    public bool ReadsPods => false;

    public void Parse(TriggerMetadataReader metadata, TriggerBuilder trigger)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(trigger);
        var query = ParseQuery(metadata);
        PendingRequests.Add(metadata, trigger, query, query is null ? "" : $"{PendingRequests.Name}|prometheus|{query.Query}");
        if (!metadata.Has(PrometheusAddress))
        {
            metadata.Orphans($"only used with {PrometheusAddress}", PrometheusBearerTokenFromEnv);
        }
    }

    private PrometheusQuery? ParseQuery(TriggerMetadataReader metadata)
    {
        var addressText = metadata.Text(PrometheusAddress);
        var queryText = metadata.Text(PendingRequestsQuery);
        if (!metadata.Has(PrometheusAddress))
        {
            metadata.Fail(PrometheusAddress, $"required with {PendingRequestsQuery}: expected {metadata.Form(PrometheusAddress)}");
        }

        if (!metadata.Has(PendingRequestsQuery))
        {
            metadata.Fail(PendingRequestsQuery, $"required with {PrometheusAddress}: expected {metadata.Form(PendingRequestsQuery)}");
        }

        Uri? address = null;
        if (addressText is { Length: > 0 })
        {
            // Never repeat the value: it may carry a password in its user info.
            if (!Uri.TryCreate(addressText, UriKind.Absolute, out address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(address.Host))
            {
                metadata.Fail(PrometheusAddress, $"invalid URI: expected {metadata.Form(PrometheusAddress)} (the value is not repeated: it may hold credentials)");
            }
            else if (!string.IsNullOrEmpty(address.UserInfo))
            {
                metadata.Fail(PrometheusAddress, $"invalid URI: it must not carry credentials (user info); give a bearer token with {PrometheusBearerTokenFromEnv}");
            }
            else if (!string.IsNullOrEmpty(address.Query) || !string.IsNullOrEmpty(address.Fragment))
            {
                metadata.Fail(PrometheusAddress, $"invalid URI: it must not have a query string or fragment; expected {metadata.Form(PrometheusAddress)}");
            }
            else if (!_allowed.Allows(address.Host, address.Port))
            {
                metadata.Fail(PrometheusAddress, string.Create(CultureInfo.InvariantCulture, $"server {address.Host}:{address.Port} is not in the Scaler's allowlist ({PrometheusOptions.Section}:AllowedHosts); ask its operator to add it, or name an allowed server"));
            }
        }

        // KEDA resolved the *FromEnv key: the value is the token itself (reference keda.md 2.4).
        var token = metadata.Text(PrometheusBearerTokenFromEnv);
        if (token is { Length: > 0 } && !token.All(static c => c is > ' ' and < (char)0x7F))
        {
            // A space, a line break or a non-ASCII character would break (or split) the Authorization header.
            metadata.Fail(PrometheusBearerTokenFromEnv, "the bearer token must be printable ASCII without spaces or line breaks (the value is not repeated: it is a credential)");
        }

        if (address is null || queryText is null || metadata.Failed(PrometheusAddress, PendingRequestsQuery, PrometheusBearerTokenFromEnv))
        {
            return null;
        }

        try
        {
            return new PrometheusQuery(address, queryText, token is { Length: > 0 } ? new BearerAuth(token) : null);
        }
        catch (ArgumentException)
        {
            // The checks above mirror the constructor's; its message is not repeated (it is about the address).
            metadata.Fail(PrometheusAddress, $"invalid URI: expected {metadata.Form(PrometheusAddress)}");
            return null;
        }
    }
}
