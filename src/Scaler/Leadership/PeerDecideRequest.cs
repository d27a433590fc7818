namespace Scaler.Leadership;

/// <summary>
/// The body of <c>POST /peer/v1/decide</c>: a follower's <see cref="DecisionRequest"/> for the leader, and for a
/// push stream the activity it already knows (<see cref="WaitWhileActive"/>): the leader then answers when the
/// activity differs, or after a few seconds, whichever comes first (a long poll).
/// </summary>
internal sealed record PeerDecideRequest(string Namespace, string Name, Dictionary<string, string> Metadata, string[] IgnoredKeys, bool? WaitWhileActive);
