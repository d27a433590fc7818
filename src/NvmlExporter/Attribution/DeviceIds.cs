using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace NvmlExporter.Attribution;

/// <summary>
/// Turns the device ids the kubelet reports (whatever the NVIDIA device plugin advertised) into the
/// keys <see cref="DeviceAttribution"/> is looked up by. Only the id is read, never the resource name,
/// so <c>nvidia.com/gpu</c>, <c>nvidia.com/gpu.shared</c> and <c>nvidia.com/mig-1g.10gb</c> all work
/// without configuration.
/// </summary>
public static class DeviceIds
{
    private const string GpuPrefix = "GPU-";
    private const string MigPrefix = "MIG-";
    private const string LegacyMigPrefix = "MIG-GPU-";

    // The device plugin announces each time-slicing replica as "<id>::<replica>"
    // (NVIDIA/k8s-device-plugin internal/rm/devices.go, NewAnnotatedID); EKS does the same for MIG.
    private const string ReplicaSeparator = "::";

    /// <summary>
    /// The key for a kubelet device id: <c>GPU-&lt;uuid&gt;</c> for a whole GPU or any replica of it,
    /// <c>MIG-&lt;uuid&gt;</c> for a MIG device or any replica of it, and <c>GPU-&lt;uuid&gt;/&lt;gi&gt;</c>
    /// (see <see cref="LegacyMigKey"/>) for a pre-R470 <c>MIG-GPU-&lt;uuid&gt;/&lt;gi&gt;/&lt;ci&gt;</c> id.
    /// False for anything else (GKE's <c>nvidia0/gi7</c>, other vendors' devices): it is not attributed.
    /// </summary>
    public static bool TryGetKey(string? deviceId, [NotNullWhen(true)] out string? key)
    {
        key = null;
        if (string.IsNullOrEmpty(deviceId))
        {
            return false;
        }

        var id = deviceId.AsSpan();
        var replica = id.IndexOf(ReplicaSeparator, StringComparison.Ordinal);
        if (replica >= 0)
        {
            if (!IsNumber(id[(replica + ReplicaSeparator.Length)..]))
            {
                return false;
            }

            id = id[..replica];
        }

        if (id.StartsWith(LegacyMigPrefix, StringComparison.Ordinal))
        {
            return TryGetLegacyMigKey(id[MigPrefix.Length..], out key);
        }

        if (id.StartsWith(MigPrefix, StringComparison.Ordinal) || id.StartsWith(GpuPrefix, StringComparison.Ordinal))
        {
            if (!IsUuid(id[GpuPrefix.Length..]))
            {
                return false;
            }

            key = id.Length == deviceId.Length ? deviceId : id.ToString();
            return true;
        }

        return false;
    }

    /// <summary>
    /// The key of a MIG device named the pre-R470 way, by its parent GPU's UUID (with its <c>GPU-</c>
    /// prefix, as NVML returns it) and GPU instance id: <c>GPU-&lt;uuid&gt;/&lt;gi&gt;</c>.
    /// </summary>
    public static string LegacyMigKey(string parentUuid, uint gpuInstanceId) =>
        string.Create(CultureInfo.InvariantCulture, $"{parentUuid}/{gpuInstanceId}");

    // "GPU-<uuid>/<gi>/<ci>": the compute instance does not matter, memory and pods belong to the GPU instance.
    private static bool TryGetLegacyMigKey(ReadOnlySpan<char> gpuAndInstances, [NotNullWhen(true)] out string? key)
    {
        key = null;
        var slash = gpuAndInstances.IndexOf('/');
        if (slash < 0)
        {
            return false;
        }

        var gpu = gpuAndInstances[..slash];
        var instances = gpuAndInstances[(slash + 1)..];
        var second = instances.IndexOf('/');
        if (second < 0
            || !IsUuid(gpu[GpuPrefix.Length..])
            || !IsNumber(instances[(second + 1)..])
            || !IsNumber(instances[..second])
            || !uint.TryParse(instances[..second], NumberStyles.None, CultureInfo.InvariantCulture, out var gi))
        {
            return false;
        }

        key = LegacyMigKey(gpu.ToString(), gi);
        return true;
    }

    // Lenient on purpose: NVML's UUIDs are hex and dashes, but a key that matches no device is harmless,
    // while a separator inside it would mean the id was misparsed.
    private static bool IsUuid(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNumber(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
