namespace Scaler.Leadership;

/// <summary>The body of a peer answer that is not a decision: why (invalid metadata, a limit, not the leader), and who leads if known.</summary>
internal sealed record PeerError(string Error, string? Leader);
