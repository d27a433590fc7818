using System.Collections.Immutable;

namespace NvmlExporter.Sampling;

/// <summary>XID errors of one GPU since the exporter started watching it: the last XID and how many of each.</summary>
public sealed record XidReading(ulong Last, ImmutableSortedDictionary<ulong, long> Counts)
{
    public static XidReading None { get; } = new(0, ImmutableSortedDictionary<ulong, long>.Empty);
}

/// <summary>
/// XID errors seen through NVML events, per GPU UUID. <see cref="XidWatcher"/> writes it from its own
/// thread; the sampler copies each GPU's reading into every snapshot. A GPU is present only once its
/// events are registered, so "no XID" (0) is never reported for a GPU nobody listens to.
/// </summary>
public sealed class XidStore
{
    private readonly Lock _gate = new();
    private ImmutableDictionary<string, XidReading> _byGpu = ImmutableDictionary.Create<string, XidReading>(StringComparer.Ordinal);

    public XidReading? For(string uuid) => _byGpu.GetValueOrDefault(uuid);

    /// <summary>The GPU's XID events are registered: it reads as "none so far" from now on.</summary>
    public void Watching(string uuid)
    {
        lock (_gate)
        {
            if (!_byGpu.ContainsKey(uuid))
            {
                _byGpu = _byGpu.Add(uuid, XidReading.None);
            }
        }
    }

    public void Record(string uuid, ulong xid)
    {
        lock (_gate)
        {
            var before = _byGpu.GetValueOrDefault(uuid) ?? XidReading.None;
            _byGpu = _byGpu.SetItem(uuid, new XidReading(xid, before.Counts.SetItem(xid, before.Counts.GetValueOrDefault(xid) + 1)));
        }
    }
}
