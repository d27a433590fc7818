using System.Collections.Frozen;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// KEDA's own trigger keys: KEDA passes the whole trigger metadata (reference keda.md 2.4), so these arrive
/// with ours and are accepted unread. <c>caCert</c> and the client certificate are TriggerAuthentication-only
/// in current KEDA, but older docs put them in metadata.
/// </summary>
internal static class KedaMetadataKeys
{
    public static readonly FrozenSet<string> Ignored =
        new[] { "scalerAddress", "enableTLS", "unsafeSsl", "caCert", "tlsClientCert", "tlsClientKey" }.ToFrozenSet(StringComparer.Ordinal);
}
