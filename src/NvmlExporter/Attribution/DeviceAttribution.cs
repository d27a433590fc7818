using System.Collections.Frozen;
using System.Collections.Immutable;

namespace NvmlExporter.Attribution;

/// <summary>A container that the kubelet allocated a GPU, a MIG device or a time-slice replica to.</summary>
public sealed record PodRef(string Namespace, string Pod, string Container);

/// <summary>
/// Which pods use which device, as of one pod-resources <c>List</c>. Keys are device keys from
/// <see cref="DeviceIds"/>: <c>GPU-&lt;uuid&gt;</c> (whole GPU and every time-slice replica of it),
/// <c>MIG-&lt;uuid&gt;</c>, or <c>GPU-&lt;uuid&gt;/&lt;gi&gt;</c> (pre-R470 MIG ids). Every pod that uses a
/// shared device is listed, each container once.
/// </summary>
public sealed class DeviceAttribution
{
    private readonly FrozenDictionary<string, ImmutableArray<PodRef>> _byDevice;

    public DeviceAttribution(IReadOnlyDictionary<string, ImmutableArray<PodRef>> byDevice, DateTimeOffset observedAt)
    {
        _byDevice = byDevice.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        ObservedAt = observedAt;
    }

    /// <summary>No attribution (no socket, or none read yet): series carry no pod labels.</summary>
    public static DeviceAttribution None { get; } = new(new Dictionary<string, ImmutableArray<PodRef>>(), DateTimeOffset.MinValue);

    public DateTimeOffset ObservedAt { get; }

    public int DeviceCount => _byDevice.Count;

    /// <summary>Pods using a whole GPU or a time-slice replica of it.</summary>
    public ImmutableArray<PodRef> ForGpu(string gpuUuid) =>
        _byDevice.TryGetValue(gpuUuid, out var pods) ? pods : [];

    /// <summary>Pods using a MIG device, by its MIG UUID or by parent UUID and GPU instance id.</summary>
    public ImmutableArray<PodRef> ForMig(string migUuid, string parentUuid, uint gpuInstanceId)
    {
        if (_byDevice.TryGetValue(migUuid, out var pods))
        {
            return pods;
        }

        return _byDevice.TryGetValue(DeviceIds.LegacyMigKey(parentUuid, gpuInstanceId), out pods) ? pods : [];
    }
}
