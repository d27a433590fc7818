namespace Scaler.FrontDoors.MetricsApi;

/// <summary>Who a request comes from, as an authenticator established it.</summary>
/// <param name="Name">The user name (<c>system:serviceaccount:kube-system:horizontal-pod-autoscaler</c>).</param>
/// <param name="Groups">Its groups.</param>
/// <param name="Extra">Extra attributes (<c>X-Remote-Extra-*</c>, a token's extra), passed on to authorization.</param>
/// <param name="Uid">Its uid, when known.</param>
internal sealed record MetricsApiUser(string Name, IReadOnlyList<string> Groups, IReadOnlyDictionary<string, IReadOnlyList<string>> Extra, string? Uid = null)
{
    /// <summary>Members are allowed everything without asking the API server, as kube-apiserver's delegating authorizer does.</summary>
    public const string MastersGroup = "system:masters";

    public bool IsMaster => Groups.Contains(MastersGroup, StringComparer.Ordinal);
}
