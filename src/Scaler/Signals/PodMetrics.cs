using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Scaler.Signals;

/// <summary>The per-pod metrics the registered sources serve (<see cref="PodMetric"/>), by name; the first registration of a name wins.</summary>
internal sealed class PodMetrics
{
    private readonly FrozenDictionary<string, PodMetric> _byName;

    public PodMetrics(IEnumerable<PodMetric> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var byName = new Dictionary<string, PodMetric>(StringComparer.Ordinal);
        var all = new List<PodMetric>();
        foreach (var metric in metrics)
        {
            if (byName.TryAdd(metric.Name, metric))
            {
                all.Add(metric);
            }
        }

        _byName = byName.ToFrozenDictionary(StringComparer.Ordinal);
        All = all;
    }

    /// <summary>Every metric, in registration order.</summary>
    public IReadOnlyList<PodMetric> All { get; }

    public bool TryGet(string name, [NotNullWhen(true)] out PodMetric? metric) => _byName.TryGetValue(name, out metric);
}
