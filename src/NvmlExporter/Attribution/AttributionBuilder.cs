using System.Collections.Immutable;
using Kubelet.PodResources.V1;

namespace NvmlExporter.Attribution;

/// <summary>Turns one pod-resources <c>List</c> answer into a <see cref="DeviceAttribution"/>. Pure.</summary>
public static class AttributionBuilder
{
    /// <summary>
    /// Every container holding a device whose id <see cref="DeviceIds"/> understands, of any resource
    /// name, listed once per device key in (namespace, pod, container) order. A container holding two
    /// replicas of one GPU is listed once for it: a second entry would render a duplicate series.
    /// </summary>
    public static DeviceAttribution Build(ListPodResourcesResponse response, DateTimeOffset observedAt) =>
        new(Map(response), observedAt);

    /// <summary>The device-key to containers map behind <see cref="Build"/>; compared by <see cref="SameDevices"/>.</summary>
    public static IReadOnlyDictionary<string, ImmutableArray<PodRef>> Map(ListPodResourcesResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var byDevice = new Dictionary<string, SortedSet<PodRef>>(StringComparer.OrdinalIgnoreCase);
        foreach (var pod in response.PodResources)
        {
            foreach (var container in pod.Containers)
            {
                PodRef? owner = null;
                foreach (var devices in container.Devices)
                {
                    foreach (var id in devices.DeviceIds)
                    {
                        if (!DeviceIds.TryGetKey(id, out var key))
                        {
                            continue;
                        }

                        if (!byDevice.TryGetValue(key, out var users))
                        {
                            users = new SortedSet<PodRef>(PodRefOrder.Instance);
                            byDevice.Add(key, users);
                        }

                        users.Add(owner ??= new PodRef(pod.Namespace, pod.Name, container.Name));
                    }
                }
            }
        }

        return byDevice.ToDictionary(
            static e => e.Key,
            static e => e.Value.ToImmutableArray(),
            StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Whether two maps attribute the same devices to the same containers in the same order.</summary>
    public static bool SameDevices(
        IReadOnlyDictionary<string, ImmutableArray<PodRef>> left,
        IReadOnlyDictionary<string, ImmutableArray<PodRef>> right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (left.Count != right.Count)
        {
            return false;
        }

        foreach (var (key, pods) in left)
        {
            if (!right.TryGetValue(key, out var other) || !pods.SequenceEqual(other))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class PodRefOrder : IComparer<PodRef>
    {
        public static readonly PodRefOrder Instance = new();

        public int Compare(PodRef? x, PodRef? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            if (x is null)
            {
                return -1;
            }

            if (y is null)
            {
                return 1;
            }

            var c = string.CompareOrdinal(x.Namespace, y.Namespace);
            if (c == 0)
            {
                c = string.CompareOrdinal(x.Pod, y.Pod);
            }

            return c != 0 ? c : string.CompareOrdinal(x.Container, y.Container);
        }
    }
}
