namespace Scaler.Leadership;

/// <summary>
/// A workload's decision as the custom metrics API serves it, made here or by the leader: 200 with the desired
/// count and the workload's kind, or the HTTP status, reason and message the API answers instead (404 no such
/// workload or no policy, 422 an invalid policy, 503 cannot decide or no leader answered). Never a 0 standing
/// for "unknown".
/// </summary>
internal sealed record ScaleTargetAnswer(int Status, string Reason, string Message, int DesiredReplicas, DateTimeOffset At, string? Kind, string? ApiVersion, string DecidedBy)
{
    public const int Decided = 200;

    public static ScaleTargetAnswer Unavailable(string message, DateTimeOffset at, string decidedBy) =>
        new(503, "ServiceUnavailable", message, 0, at, null, null, decidedBy);
}
