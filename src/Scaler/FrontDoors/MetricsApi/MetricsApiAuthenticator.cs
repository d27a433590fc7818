using k8s;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;
using Scaler.Signals;
using Scaler.Signals.Kubernetes;

namespace Scaler.FrontDoors.MetricsApi;

/// <summary>
/// Authenticates a request as kube-apiserver's delegating authenticator does for an aggregated API server, in
/// this order: a client certificate signed by the front proxy's CA with an allowed common name, whose
/// identity headers (<c>X-Remote-User</c>, <c>X-Remote-Group</c>, <c>X-Remote-Extra-*</c>) are then trusted;
/// a client certificate signed by the cluster's client CA (user = CN, groups = O); a bearer token, through a
/// TokenReview (answers reused for <see cref="MetricsApiOptions.ReviewCacheTtl"/>). Identity headers on any
/// other connection are ignored. A certificate's verification is kept per connection.
/// </summary>
internal sealed partial class MetricsApiAuthenticator(RequestHeaderSource requestHeaders, KubernetesCluster cluster, IOptions<MetricsApiOptions> options, TimeProvider time, ILogger<MetricsApiAuthenticator> logger)
{
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private static readonly object ConnectionKey = typeof(MetricsApiAuthenticator);
    private readonly ConcurrentDictionary<string, (long ExpiresTicks, Authentication Answer)> _tokens = new(StringComparer.Ordinal);

    public async ValueTask<Authentication> AuthenticateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string? failure = null;
        var certificate = context.Connection.ClientCertificate;
        if (certificate is not null)
        {
            var verdict = Verify(context, certificate);
            switch (verdict.Kind)
            {
                case CertificateKind.FrontProxy:
                    return FromHeaders(context.Request.Headers, requestHeaders.Current);
                case CertificateKind.User:
                    return Authentication.Of(new MetricsApiUser(verdict.CommonName, [.. verdict.Organizations, "system:authenticated"], new Dictionary<string, IReadOnlyList<string>>()));
                default:
                    failure = verdict.Failure;
                    break;
            }
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > 7)
        {
            return await ReviewTokenAsync(authorization[7..].Trim(), cancellationToken).ConfigureAwait(false);
        }

        return Authentication.Failed(failure ?? "no credentials: expected the front proxy's client certificate, a client certificate of the cluster's client CA, or a bearer token");
    }

    private static Authentication FromHeaders(IHeaderDictionary headers, RequestHeaderSettings settings)
    {
        var name = settings.UsernameHeaders.Select(h => headers[h].ToString()).FirstOrDefault(v => v.Length > 0);
        if (name is null)
        {
            return Authentication.Failed($"the front proxy's certificate came without a user header ({string.Join(", ", settings.UsernameHeaders)})");
        }

        var groups = settings.GroupHeaders.SelectMany(h => headers[h]).Where(g => !string.IsNullOrEmpty(g)).Select(g => g!).ToList();
        var extra = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (header, values) in headers)
        {
            foreach (var prefix in settings.ExtraHeaderPrefixes)
            {
                if (header.Length > prefix.Length && header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    // Keys are lower case and percent-decoded, as kube-apiserver passes them.
                    extra[Uri.UnescapeDataString(header[prefix.Length..]).ToLowerInvariant()] = [.. values.Where(v => v is not null).Select(v => v!)];
                }
            }
        }

        return Authentication.Of(new MetricsApiUser(name, groups, extra));
    }

    /// <summary>Which CA signed the certificate, checked once per connection and settings.</summary>
    private CertificateVerdict Verify(HttpContext context, X509Certificate2 certificate)
    {
        var settings = requestHeaders.Current;
        var items = context.Features.Get<IConnectionItemsFeature>()?.Items;
        if (items?.TryGetValue(ConnectionKey, out var kept) == true && kept is (RequestHeaderSettings keptFor, CertificateVerdict verdict) && ReferenceEquals(keptFor, settings))
        {
            return verdict;
        }

        var cn = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        CertificateVerdict result;
        if (Chains(certificate, settings.ClientCas))
        {
            result = settings.AllowedNames.Count == 0 || settings.AllowedNames.Contains(cn, StringComparer.Ordinal)
                ? new CertificateVerdict(CertificateKind.FrontProxy, cn, [], null)
                : new CertificateVerdict(CertificateKind.None, cn, [], $"client certificate CN={cn} is signed by the front proxy's CA but is not an allowed name ({string.Join(", ", settings.AllowedNames)})");
        }
        else if (Chains(certificate, settings.UserClientCas))
        {
            var organizations = certificate.SubjectName.EnumerateRelativeDistinguishedNames()
                .Where(n => n.GetSingleElementType().Value == "2.5.4.10").Select(n => n.GetSingleElementValue() ?? "").Where(o => o.Length > 0).ToList();
            result = new CertificateVerdict(CertificateKind.User, cn, organizations, null);
        }
        else
        {
            result = new CertificateVerdict(CertificateKind.None, cn, [], $"client certificate CN={cn} is signed by neither the front proxy's CA nor the cluster's client CA ({settings.Source})");
        }

        if (result.Failure is { } why)
        {
            LogCertificateRefused(logger, why);
        }

        if (items is not null)
        {
            items[ConnectionKey] = (settings, result);
        }

        return result;
    }

    private static bool Chains(X509Certificate2 certificate, X509Certificate2Collection roots)
    {
        if (roots.Count == 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuth);
        return chain.Build(certificate);
    }

    private async ValueTask<Authentication> ReviewTokenAsync(string token, CancellationToken cancellationToken)
    {
        // The token itself is never kept, logged or echoed: its hash is the cache key.
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        var now = time.GetUtcNow().UtcTicks;
        if (_tokens.TryGetValue(key, out var cached) && cached.ExpiresTicks > now)
        {
            return cached.Answer;
        }

        if (cluster.Client is not { } client)
        {
            return Authentication.Failed($"a bearer token cannot be reviewed without a cluster ({cluster.UnavailableReason})");
        }

        V1TokenReview review;
        try
        {
            review = await client.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = token } }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var why = e is k8s.Autorest.HttpOperationException http ? $"the Kubernetes API answered {(int)http.Response.StatusCode}" : SecretScrubber.Scrub(e.Message).Replace(token, "[token]", StringComparison.Ordinal);
            LogTokenReviewFailed(logger, why);
            return Authentication.Failed($"the bearer token could not be reviewed: {why}");
        }

        var answer = review.Status is { Authenticated: true, User: { Username: { Length: > 0 } username } user }
            ? Authentication.Of(new MetricsApiUser(
                username,
                [.. user.Groups ?? []],
                (user.Extra ?? new Dictionary<string, IList<string>>()).ToDictionary(e => e.Key, e => (IReadOnlyList<string>)[.. e.Value], StringComparer.Ordinal),
                user.Uid))
            : Authentication.Failed($"the bearer token was not accepted{(review.Status?.Error is { Length: > 0 } error ? $": {error}" : "")}");
        var ttl = options.Value.ReviewCacheTtl;
        if (ttl > TimeSpan.Zero)
        {
            if (_tokens.Count > 10_000)
            {
                _tokens.Clear();
            }

            _tokens[key] = (now + ttl.Ticks, answer);
        }

        return answer;
    }

    [LoggerMessage(EventId = 762, Level = LogLevel.Debug, Message = "Metrics API: {Reason}")]
    private static partial void LogCertificateRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 763, Level = LogLevel.Warning, Message = "Metrics API: a TokenReview failed ({Reason}); the caller gets 401")]
    private static partial void LogTokenReviewFailed(ILogger logger, string reason);

    private enum CertificateKind
    {
        None,
        FrontProxy,
        User,
    }

    private sealed record CertificateVerdict(CertificateKind Kind, string CommonName, IReadOnlyList<string> Organizations, string? Failure);
}
