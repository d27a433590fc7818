namespace Scaler.FrontDoors.MetricsApi;

/// <summary>What authenticating one request found: the user, or why there is none (never holding a credential).</summary>
internal sealed record Authentication(MetricsApiUser? User, string? Failure)
{
    public static Authentication Of(MetricsApiUser user) => new(user, null);

    public static Authentication Failed(string why) => new(null, why);
}
