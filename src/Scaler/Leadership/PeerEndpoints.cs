using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Scaler.Hosting;
using Scaler.Triggers;

namespace Scaler.Leadership;

/// <summary>
/// The leader's side of the peer protocol, served on the peer port only (<see cref="ScalerListener.Peer"/>):
/// <c>POST /peer/v1/decide</c> parses the follower's trigger as any front door does and answers the leader's
/// decision (200 <see cref="DecisionAnswer"/>); 400 for metadata the parser refuses, 409 when this replica does
/// not lead, 429 for a trigger beyond the limits, 413 for a body over <see cref="MaxBodyBytes"/>.
/// <c>POST /peer/v1/decide-scale-target</c> answers a workload's own decision (200 <see cref="ScaleTargetAnswer"/>,
/// whose own status says whether there is one), with the same 400, 409 and 413.
/// </summary>
internal static class PeerEndpoints
{
    /// <summary>The largest request: the metadata limits (64 Ki characters, up to 3 bytes each in UTF-8) and JSON's overhead.</summary>
    public const long MaxBodyBytes = 256 * 1024;

    public static WebApplication MapPeerEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost(PeerClient.DecidePath, DecideAsync).ServedOnPeerPortOnly();
        app.MapPost(PeerClient.DecideScaleTargetPath, DecideScaleTargetAsync).ServedOnPeerPortOnly();
        return app;
    }

    private static async Task<Results<Ok<DecisionAnswer>, JsonHttpResult<PeerError>>> DecideAsync(
        HttpContext context,
        [FromServices] Leadership leadership,
        [FromServices] LeaderDecisions decisions,
        [FromServices] TriggerParser parser)
    {
        var (request, refused) = await ReadAsync(context, PeerJsonContext.Default.PeerDecideRequest, "decide", leadership).ConfigureAwait(false);
        if (request is null)
        {
            return refused!;
        }

        var ignored = new HashSet<string>(request.IgnoredKeys ?? [], StringComparer.Ordinal);
        if (!parser.TryParse(new ScaledObjectKey(request.Namespace ?? "", request.Name ?? ""), request.Metadata ?? [], ignored, out var trigger, out var errors))
        {
            return Error(StatusCodes.Status400BadRequest, ErrorText.Join("invalid trigger metadata: ", errors), leadership);
        }

        try
        {
            return TypedResults.Ok(await decisions.DecideHereAsync(trigger, request.WaitWhileActive, context.RequestAborted).ConfigureAwait(false));
        }
        catch (TriggerLimitException limit)
        {
            return Error(StatusCodes.Status429TooManyRequests, limit.Message, leadership);
        }
    }

    private static async Task<Results<Ok<ScaleTargetAnswer>, JsonHttpResult<PeerError>>> DecideScaleTargetAsync(
        HttpContext context,
        [FromServices] Leadership leadership,
        [FromServices] LeaderDecisions decisions)
    {
        var (request, refused) = await ReadAsync(context, PeerJsonContext.Default.ScaleTargetRequest, "decide-scale-target", leadership).ConfigureAwait(false);
        if (request is null)
        {
            return refused!;
        }

        if (request is not { Namespace.Length: > 0, Resource.Length: > 0, Name.Length: > 0 })
        {
            return Error(StatusCodes.Status400BadRequest, "not a decide-scale-target request: namespace, resource and name are required", leadership);
        }

        return TypedResults.Ok(await decisions.DecideScaleTargetHereAsync(request, context.RequestAborted).ConfigureAwait(false));
    }

    /// <summary>The request, or null with the answer refusing it: too large, not JSON of its kind, or this replica does not lead.</summary>
    private static async Task<(T? Request, JsonHttpResult<PeerError>? Refused)> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type, string kind, Leadership leadership)
        where T : class
    {
        if (context.Request.ContentLength is not { } length || length > MaxBodyBytes)
        {
            return (null, Error(StatusCodes.Status413PayloadTooLarge, $"a body of at most {MaxBodyBytes} bytes with a Content-Length is expected", leadership));
        }

        T? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync(type, context.RequestAborted).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException exception)
        {
            return (null, Error(StatusCodes.Status400BadRequest, $"not a {kind} request: " + ErrorText.Quote(exception.Message), leadership));
        }

        if (request is null)
        {
            return (null, Error(StatusCodes.Status400BadRequest, $"not a {kind} request", leadership));
        }

        return leadership.IsLeader ? (request, null) : (null, Error(StatusCodes.Status409Conflict, "this replica does not lead", leadership));
    }

    private static JsonHttpResult<PeerError> Error(int status, string error, Leadership leadership) =>
        TypedResults.Json(new PeerError(error, leadership.IsLeader ? leadership.Self?.Name : leadership.Leader?.Name), PeerJsonContext.Default.PeerError, statusCode: status);
}
