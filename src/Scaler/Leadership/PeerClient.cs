using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Scaler.Triggers;

namespace Scaler.Leadership;

/// <summary>
/// A follower's side of the peer protocol: asks the leader's peer port for a decision (<c>POST /peer/v1/decide</c>,
/// JSON). Whatever goes wrong (no leader known, the leader unreachable or no longer leading, too slow) is an
/// answer that cannot be served, with the reason: a follower never decides on its own. A trigger refused by the
/// leader's limits throws <see cref="TriggerLimitException"/>, as it would on the leader.
/// </summary>
internal sealed class PeerClient(IHttpClientFactory clients, Leadership leadership, IOptions<LeadershipOptions> options, TimeProvider time)
{
    public const string HttpClientName = "scaler-peer";

    /// <summary>The leader's wait on a long poll (<see cref="PeerDecideRequest.WaitWhileActive"/>).</summary>
    public static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(5);

    private readonly LeadershipOptions _options = options.Value;

    public async ValueTask<DecisionAnswer> DecideAsync(DecisionRequest request, bool? waitWhileActive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (leadership.Leader is not { } leader)
        {
            return Unavailable("no leader is known yet (leader election in progress)");
        }

        var body = new PeerDecideRequest(
            request.ScaledObject.Namespace,
            request.ScaledObject.Name,
            new Dictionary<string, string>(request.Metadata, StringComparer.Ordinal),
            [.. request.IgnoredKeys],
            waitWhileActive);
        using var timeout = new CancellationTokenSource(_options.ForwardTimeout + (waitWhileActive is null ? TimeSpan.Zero : LongPoll), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            // Buffered, so it goes with a Content-Length the leader checks before reading.
            using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, PeerJsonContext.Default.PeerDecideRequest));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var response = await clients.CreateClient(HttpClientName)
                .PostAsync(new Uri(leader.Peer, "/peer/v1/decide"), content, linked.Token)
                .ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK
                && await response.Content.ReadFromJsonAsync(PeerJsonContext.Default.DecisionAnswer, linked.Token).ConfigureAwait(false) is { } answer)
            {
                return answer;
            }

            var error = await ReadErrorAsync(response, linked.Token).ConfigureAwait(false);
            return response.StatusCode switch
            {
                HttpStatusCode.TooManyRequests => throw new TriggerLimitException(error),
                HttpStatusCode.Conflict => Unavailable($"{leader.Name} no longer leads ({error}); leadership is moving"),
                _ => Unavailable($"the leader {leader.Name} answered HTTP {(int)response.StatusCode}: {error}"),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Unavailable($"the leader {leader.Name} did not answer within {_options.ForwardTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or NotSupportedException)
        {
            return Unavailable($"the leader {leader.Name} cannot be reached: {exception.Message}");
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

    private DecisionAnswer Unavailable(string reason) => DecisionAnswer.Unavailable(reason, time.GetUtcNow(), leadership.Self?.Name ?? "");
}
