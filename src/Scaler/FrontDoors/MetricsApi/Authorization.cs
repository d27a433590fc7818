namespace Scaler.FrontDoors.MetricsApi;

/// <summary>What authorizing one request found: allowed, denied (403) or not known (the review failed: 500), with why.</summary>
internal sealed record Authorization(bool IsAllowed, bool IsError, string? Reason)
{
    public static Authorization Allowed { get; } = new(true, false, null);

    public static Authorization Denied(string why) => new(false, false, why);

    public static Authorization Failed(string why) => new(false, true, why);
}
