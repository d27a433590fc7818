using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using NvmlExporter.Attribution;
using NvmlExporter.Interop;
using NvmlExporter.Metrics;
using NvmlExporter.Sampling;
using Prometheus;
using Scaler.FrontDoors.Keda;
using Scaler.Signals;

namespace Deploy.Tests.Monitoring;

/// <summary>
/// The metric names the product serves, taken from its own code: the exporter's document rendered for a
/// node where NVML answers everything (a whole GPU held by a pod, a MIG GPU, an XID, attribution on), and
/// the Scaler's metric declarations (KedaMetrics, SignalMetrics). Histograms add _bucket, _sum and _count.
/// </summary>
internal static class ServedMetrics
{
    public static FrozenSet<string> Exporter { get; } = ExporterNames();

    public static FrozenSet<string> Scaler { get; } = ScalerNames();

    public static FrozenSet<string> All { get; } = Exporter.Union(Scaler).ToFrozenSet(StringComparer.Ordinal);

    private static FrozenSet<string> ExporterNames()
    {
        var now = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var xids = new XidReading(79, ImmutableSortedDictionary<ulong, long>.Empty.Add(79, 1));
        var whole = new GpuReading(0, "GPU-0", "NVIDIA H100 80GB HBM3", "00000000:17:00.0", null, 50, 10, new NvmlMemory(80ul << 30, 60ul << 30, 20ul << 30, 1ul << 30),
            55, 300_000, 1980, 0, 0, 1, false, [])
        {
            MemoryClockMhz = 2619, EnergyMillijoules = 1, EncoderUtilizationPercent = 1, DecoderUtilizationPercent = 1, PcieReplays = 0,
            EccCorrectedAggregate = 0, EccUncorrectedAggregate = 0, ClocksEventReasons = 0x1, RetiredPagesSingleBit = 0, RetiredPagesDoubleBit = 0,
            RetiredPagesPending = false, RemappedRows = new NvmlRemappedRows(0, 0, false, false), Xid = xids,
        };
        var mig = new GpuReading(1, "GPU-1", "NVIDIA A100-SXM4-80GB", "00000000:81:00.0", null, null, null, null, 40, 90_000, 1410, 0, 0, null, true,
            [new MigReading(0, "MIG-1", "NVIDIA A100-SXM4-80GB MIG 1g.10gb", 7, 0, "1g.10gb", new NvmlMemory(10ul << 30, 9ul << 30, 1ul << 30, null), 1)]);
        var counters = SamplerCounters.Empty with
        {
            Samples = 1,
            Errors = ImmutableDictionary<(string, NvmlReturn), long>.Empty.Add(("nvmlDeviceGetPowerUsage", NvmlReturn.ERROR_TIMEOUT), 1),
        };
        var snapshot = new NvmlSnapshot(now, TimeSpan.FromMilliseconds(1), true, null, "570.124.06", [whole, mig], counters);
        var store = new AttributionStore();
        store.Publish(new DeviceAttribution(new Dictionary<string, ImmutableArray<PodRef>> { ["GPU-0"] = [new PodRef("llm", "vllm-0", "server")], ["MIG-1"] = [new PodRef("llm", "small-0", "server")] }, now));
        store.PublishHealth(new PodResourcesHealth(true, now));
        var document = new MetricsDocument(new MetricsRenderer("node-a"), store, new FakeTimeProvider(now), attributionEnabled: true);
        document.Publish(snapshot);
        return Families(Encoding.UTF8.GetString(document.ToArray()));
    }

    private static FrozenSet<string> ScalerNames()
    {
        var registry = Metrics.NewCustomRegistry();
        object[] declarations = [new KedaMetrics(registry), new SignalMetrics(registry)];
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var declaration in declarations)
        {
            foreach (var property in declaration.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetValue(declaration) is not Collector collector)
                {
                    continue;
                }

                names.Add(collector.Name);
                if (collector is Histogram)
                {
                    names.UnionWith([collector.Name + "_bucket", collector.Name + "_sum", collector.Name + "_count"]);
                }
            }
        }

        // Declared where they are kept rather than in a metrics class: whether this replica leads.
        _ = new global::Scaler.Leadership.Leadership(
            Microsoft.Extensions.Options.Options.Create(new global::Scaler.Leadership.LeadershipOptions()),
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<global::Scaler.Leadership.Leadership>.Instance,
            registry);
        using var exposition = new MemoryStream();
        registry.CollectAndExportAsTextAsync(exposition).GetAwaiter().GetResult();
        names.UnionWith(Families(Encoding.UTF8.GetString(exposition.ToArray())));
        return names.ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>The families of an exposition document (its TYPE lines), with a histogram's sample names.</summary>
    public static FrozenSet<string> Families(string exposition)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in exposition.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)))
        {
            var parts = line.Split(' ');
            names.Add(parts[2]);
            if (parts[3] == "histogram")
            {
                names.UnionWith([parts[2] + "_bucket", parts[2] + "_sum", parts[2] + "_count"]);
            }
        }

        return names.ToFrozenSet(StringComparer.Ordinal);
    }
}
