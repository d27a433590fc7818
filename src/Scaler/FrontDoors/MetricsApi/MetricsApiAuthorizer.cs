using k8s;
using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Options;
using Scaler.Signals;
using Scaler.Signals.Kubernetes;

namespace Scaler.FrontDoors.MetricsApi;

/// <summary>
/// Authorizes a request as kube-apiserver's delegating authorizer does: <c>system:masters</c> always (so the
/// aggregator's availability check needs no review), anyone else through a SubjectAccessReview, whose allow
/// and deny answers are reused for <see cref="MetricsApiOptions.ReviewCacheTtl"/>. A review that fails is an
/// error (the caller gets 500), never an allow.
/// </summary>
internal sealed partial class MetricsApiAuthorizer(KubernetesCluster cluster, IOptions<MetricsApiOptions> options, TimeProvider time, ILogger<MetricsApiAuthorizer> logger)
{
    private readonly ConcurrentDictionary<string, (long ExpiresTicks, Authorization Answer)> _answers = new(StringComparer.Ordinal);

    public async ValueTask<Authorization> AuthorizeAsync(MetricsApiUser user, AccessAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(attributes);
        if (user.IsMaster)
        {
            return Authorization.Allowed;
        }

        var key = $"{user.Name}\n{string.Join(',', user.Groups)}\n{user.Uid}\n{string.Join(';', user.Extra.Select(e => $"{e.Key}={string.Join(',', e.Value)}"))}\n{attributes}";
        var now = time.GetUtcNow().UtcTicks;
        if (_answers.TryGetValue(key, out var cached) && cached.ExpiresTicks > now)
        {
            return cached.Answer;
        }

        if (cluster.Client is not { } client)
        {
            return Authorization.Failed($"no cluster to ask whether {user.Name} may {attributes} ({cluster.UnavailableReason})");
        }

        var spec = new V1SubjectAccessReviewSpec
        {
            User = user.Name,
            Groups = [.. user.Groups],
            Uid = user.Uid,
            Extra = user.Extra.Count == 0 ? null : user.Extra.ToDictionary(e => e.Key, e => (IList<string>)[.. e.Value]),
        };
        if (attributes.Resource is null)
        {
            spec.NonResourceAttributes = new V1NonResourceAttributes { Path = attributes.Path, Verb = attributes.Verb };
        }
        else
        {
            spec.ResourceAttributes = new V1ResourceAttributes
            {
                Verb = attributes.Verb,
                Group = attributes.Group,
                Version = attributes.Version,
                Resource = attributes.Resource,
                NamespaceProperty = attributes.Namespace,
                Name = attributes.Name,
                Subresource = attributes.Subresource,
            };
        }

        V1SubjectAccessReview review;
        try
        {
            review = await client.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview { Spec = spec }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var why = e is k8s.Autorest.HttpOperationException http ? $"the Kubernetes API answered {(int)http.Response.StatusCode}" : SecretScrubber.Scrub(e.Message);
            LogReviewFailed(logger, user.Name, attributes.ToString(), why);
            return Authorization.Failed($"could not ask whether {user.Name} may {attributes}: {why}");
        }

        var answer = review.Status?.Allowed == true
            ? Authorization.Allowed
            : Authorization.Denied($"{user.Name} may not {attributes}{(review.Status?.Reason is { Length: > 0 } reason ? $": {reason}" : "")}");
        var ttl = options.Value.ReviewCacheTtl;
        if (ttl > TimeSpan.Zero)
        {
            if (_answers.Count > 10_000)
            {
                _answers.Clear();
            }

            _answers[key] = (now + ttl.Ticks, answer);
        }

        return answer;
    }

    [LoggerMessage(EventId = 764, Level = LogLevel.Warning, Message = "Metrics API: a SubjectAccessReview for {User} ({Attributes}) failed: {Reason}; the caller gets 500")]
    private static partial void LogReviewFailed(ILogger logger, string user, string attributes, string reason);
}
