namespace Scaler.Leadership;

/// <summary>
/// A replica as the Lease names it: its pod name and the address of its peer port, written together into the
/// Lease's <c>holderIdentity</c> (<c>scaler-7f9c4d5b8-x2x7k http://10.1.2.3:9091</c>) so that a follower learns
/// where to forward from the Lease it already reads, without listing pods.
/// </summary>
internal sealed record LeaderIdentity(string Name, Uri Peer)
{
    public override string ToString() => $"{Name} {Peer.GetLeftPart(UriPartial.Authority)}";

    /// <summary>The identity in <paramref name="holder"/>; null when it is not one this Scaler wrote.</summary>
    public static LeaderIdentity? Parse(string? holder)
    {
        var space = holder?.IndexOf(' ', StringComparison.Ordinal) ?? -1;
        return space > 0 && Uri.TryCreate(holder![(space + 1)..], UriKind.Absolute, out var peer) && peer.Scheme == Uri.UriSchemeHttp
            ? new LeaderIdentity(holder[..space], peer)
            : null;
    }
}
