using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
using Scaler.Triggers;

namespace Scaler.Leadership;

/// <summary>
/// A follower's side of the peer protocol: asks the leader's peer port for a decision (<c>POST /peer/v1/decide</c>
/// for a trigger, <c>POST /peer/v1/decide-scale-target</c> for a workload's own decision; JSON). Whatever goes
/// wrong (no leader known, the leader unreachable or no longer leading, too slow) is an answer that cannot be
/// served, with the reason: a follower never decides on its own. A trigger refused by the leader's limits throws
/// <see cref="TriggerLimitException"/>, as it would on the leader.
/// </summary>
internal sealed class PeerClient(IHttpClientFactory clients, Leadership leadership, IOptions<LeadershipOptions> options, TimeProvider time)
{
    public const string HttpClientName = "scaler-peer";
    public const string DecidePath = "/peer/v1/decide";
    public const string DecideScaleTargetPath = "/peer/v1/decide-scale-target";

    /// <summary>The leader's wait on a long poll (<see cref="PeerDecideRequest.WaitWhileActive"/>).</summary>
    public static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(5);

    private readonly LeadershipOptions _options = options.Value;

    private string Self => leadership.Self?.Name ?? "";

    public async ValueTask<DecisionAnswer> DecideAsync(DecisionRequest request, bool? waitWhileActive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = new PeerDecideRequest(
            request.ScaledObject.Namespace,
            request.ScaledObject.Name,
            new Dictionary<string, string>(request.Metadata, StringComparer.Ordinal),
            [.. request.IgnoredKeys],
            waitWhileActive);
        var (answer, status, problem) = await PostAsync(
            DecidePath, body, PeerJsonContext.Default.PeerDecideRequest, PeerJsonContext.Default.DecisionAnswer,
            waitWhileActive is null ? TimeSpan.Zero : LongPoll, cancellationToken).ConfigureAwait(false);
        return answer ?? (status == HttpStatusCode.TooManyRequests
            ? throw new TriggerLimitException(problem)
            : DecisionAnswer.Unavailable(problem, time.GetUtcNow(), Self));
    }

    public async ValueTask<ScaleTargetAnswer> DecideScaleTargetAsync(ScaleTargetRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (answer, _, problem) = await PostAsync(
            DecideScaleTargetPath, request, PeerJsonContext.Default.ScaleTargetRequest, PeerJsonContext.Default.ScaleTargetAnswer,
            TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        return answer ?? ScaleTargetAnswer.Unavailable(problem, time.GetUtcNow(), Self);
    }

    /// <summary>The leader's answer, or null with the status (when one came) and why there is none.</summary>
    private async Task<(TAnswer? Answer, HttpStatusCode? Status, string Problem)> PostAsync<TBody, TAnswer>(
        string path, TBody body, JsonTypeInfo<TBody> bodyType, JsonTypeInfo<TAnswer> answerType, TimeSpan wait, CancellationToken cancellationToken)
        where TAnswer : class
    {
        if (leadership.Leader is not { } leader)
        {
            return (null, null, "no leader is known yet (leader election in progress)");
        }

        using var timeout = new CancellationTokenSource(_options.ForwardTimeout + wait, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            // Buffered, so it goes with a Content-Length the leader checks before reading.
            using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, bodyType));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var response = await clients.CreateClient(HttpClientName)
                .PostAsync(new Uri(leader.Peer, path), content, linked.Token)
                .ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK
                && await response.Content.ReadFromJsonAsync(answerType, linked.Token).ConfigureAwait(false) is { } answer)
            {
                return (answer, response.StatusCode, "");
            }

            var error = await ReadErrorAsync(response, linked.Token).ConfigureAwait(false);
            return (null, response.StatusCode, response.StatusCode switch
            {
                HttpStatusCode.TooManyRequests => error,
                HttpStatusCode.Conflict => $"{leader.Name} no longer leads ({error}); leadership is moving",
                _ => $"the leader {leader.Name} answered HTTP {(int)response.StatusCode}: {error}",
            });
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, null, $"the leader {leader.Name} did not answer within {_options.ForwardTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or NotSupportedException)
        {
            return (null, null, $"the leader {leader.Name} cannot be reached: {exception.Message}");
        }
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return (await response.Content.ReadFromJsonAsync(PeerJsonContext.Default.PeerError, cancellationToken).ConfigureAwait(false))?.Error ?? "no reason given";
        }
        catch (Exception exception) when (exception is JsonException or NotSupportedException or HttpRequestException)
        {
            return "no reason given";
        }
    }
}
