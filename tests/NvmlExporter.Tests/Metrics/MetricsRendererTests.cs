using System.Collections.Immutable;
using System.Text;
using NvmlExporter.Attribution;
using NvmlExporter.Interop;
using NvmlExporter.Metrics;
using NvmlExporter.Sampling;

namespace NvmlExporter.Tests.Metrics;

public sealed class MetricsRendererTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private readonly MetricsRenderer _renderer = new("node-a");

    private static GpuReading Gpu(uint index, uint? util = 50, bool mig = false, ImmutableArray<MigReading> migs = default) => new(
        index, $"GPU-{index}", "NVIDIA H100 80GB HBM3", $"00000000:{index:X2}:00.0", null,
        util, 10, mig ? null : new NvmlMemory(80ul << 30, 60ul << 30, 20ul << 30, 1ul << 30), 55, 312_500, 1980, 0, 0, 1, mig, migs.IsDefault ? [] : migs);

    private static MigReading Mig(uint slot, uint gi) => new(slot, $"MIG-{slot}", "NVIDIA A100-SXM4-80GB MIG 1g.10gb", gi, 0, "1g.10gb", new NvmlMemory(10ul << 30, 9ul << 30, 1ul << 30, null), 1);

    private static NvmlSnapshot Snapshot(params GpuReading[] gpus) =>
        new(Now, TimeSpan.FromMilliseconds(2), true, null, "550.54.15", [.. gpus], SamplerCounters.Empty with { Samples = 1 });

    private string Render(NvmlSnapshot snapshot, DeviceAttribution? attribution = null) =>
        Encoding.UTF8.GetString(_renderer.Render(snapshot, attribution ?? DeviceAttribution.None));

    private static string[] Lines(string text, string name) =>
        [.. text.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))];

    [Fact]
    public void Render_Gpu_DcgmNamesUnitsAndLabels()
    {
        var text = Render(Snapshot(Gpu(0, util: 73)));

        Assert.Equal(
            "DCGM_FI_DEV_GPU_UTIL{gpu=\"0\",UUID=\"GPU-0\",pci_bus_id=\"00000000:00:00.0\",device=\"nvidia0\",modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"node-a\",DCGM_FI_DRIVER_VERSION=\"550.54.15\"} 73",
            Lines(text, "DCGM_FI_DEV_GPU_UTIL").Single());
        Assert.EndsWith(" 20480", Lines(text, "DCGM_FI_DEV_FB_USED").Single(), StringComparison.Ordinal); // MiB
        Assert.EndsWith(" 312.5", Lines(text, "DCGM_FI_DEV_POWER_USAGE").Single(), StringComparison.Ordinal); // W from mW
        Assert.Contains("# TYPE DCGM_FI_DEV_ECC_SBE_VOL_TOTAL counter", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Gpu_OwnNamesUseBaseUnitsAndSnakeCaseLabels()
    {
        var text = Render(Snapshot(Gpu(0)));

        Assert.Equal(
            "gpu_memory_used_bytes{gpu=\"0\",uuid=\"GPU-0\",pci_bus_id=\"00000000:00:00.0\",device=\"nvidia0\",model_name=\"NVIDIA H100 80GB HBM3\",hostname=\"node-a\"} 21474836480",
            Lines(text, "gpu_memory_used_bytes").Single());
        Assert.Single(Lines(text, "gpu_utilization_percent"));
    }

    [Fact]
    public void Render_UnknownValue_SeriesIsAbsentNotZero()
    {
        var text = Render(Snapshot(Gpu(0, util: null), Gpu(1, util: 12)));

        var util = Assert.Single(Lines(text, "DCGM_FI_DEV_GPU_UTIL"));
        Assert.Contains("gpu=\"1\"", util, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_MigGpu_MemoryPerInstanceWithInstanceLabels_NoUtilization()
    {
        var text = Render(Snapshot(Gpu(0, util: null, mig: true, migs: [Mig(0, 7), Mig(1, 8)])));

        var used = Lines(text, "DCGM_FI_DEV_FB_USED");
        Assert.Equal(2, used.Length);
        Assert.Contains("GPU_I_PROFILE=\"1g.10gb\",GPU_I_ID=\"7\"", used[0], StringComparison.Ordinal);
        Assert.Contains("GPU_I_ID=\"8\"", used[1], StringComparison.Ordinal);
        Assert.Empty(Lines(text, "DCGM_FI_DEV_GPU_UTIL"));
        Assert.Empty(Lines(text, "gpu_utilization_percent"));
        Assert.Contains("gpu_instance_id=\"7\"", Lines(text, "gpu_memory_used_bytes")[0], StringComparison.Ordinal);
        // Board-level values stay on the parent, once.
        Assert.Single(Lines(text, "DCGM_FI_DEV_GPU_TEMP"));
    }

    [Fact]
    public void Render_DeviceGone_ItsSeriesGoWithIt()
    {
        var before = Render(Snapshot(Gpu(0), Gpu(1)));
        var after = Render(Snapshot(Gpu(0)));

        Assert.Contains("UUID=\"GPU-1\"", before, StringComparison.Ordinal);
        Assert.DoesNotContain("GPU-1", after, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_LostGpu_OnlyItsUpSeriesRemainsAtZero()
    {
        var lost = Gpu(1) with { Error = new NvmlError("nvmlDeviceGetHandleByIndex_v2", NvmlReturn.ERROR_GPU_IS_LOST, "GPU is lost") };

        var text = Render(Snapshot(Gpu(0), lost));

        Assert.DoesNotContain("UUID=\"GPU-1\"", text, StringComparison.Ordinal);
        Assert.Contains("nvml_exporter_device_up{gpu=\"1\",uuid=\"GPU-1\"", text, StringComparison.Ordinal);
        Assert.EndsWith(" 0", Lines(text, "nvml_exporter_device_up")[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Render_TimeSlicedGpu_EveryPodGetsItsSeries()
    {
        var pods = Enumerable.Range(0, 4).Select(i => new PodRef("llm", $"vllm-{i}", "server")).ToImmutableArray();
        var attribution = new DeviceAttribution(new Dictionary<string, ImmutableArray<PodRef>> { ["GPU-0"] = pods }, Now);

        var text = Render(Snapshot(Gpu(0)), attribution);

        var util = Lines(text, "DCGM_FI_DEV_GPU_UTIL");
        Assert.Equal(4, util.Length);
        Assert.All(Enumerable.Range(0, 4), i => Assert.Contains($"pod=\"vllm-{i}\",namespace=\"llm\",container=\"server\"", util[i], StringComparison.Ordinal));
        Assert.EndsWith(" 4", Lines(text, "gpu_attributed_pods").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_LabelValues_AreEscaped()
    {
        var odd = Gpu(0) with { Name = "weird \"name\"\\ with\nnewline" };

        var text = Render(Snapshot(odd));

        Assert.Contains("modelName=\"weird \\\"name\\\"\\\\ with\\nnewline\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NvmlDown_HealthOnly()
    {
        var down = new NvmlSnapshot(Now, TimeSpan.Zero, false, "no driver", null, [], SamplerCounters.Empty with { Samples = 3 });

        var text = Render(down);

        Assert.Equal("nvml_exporter_nvml_up 0", Lines(text, "nvml_exporter_nvml_up").Single());
        Assert.Empty(Lines(text, "nvml_exporter_gpus"));
        Assert.DoesNotContain("DCGM_", text, StringComparison.Ordinal);
        Assert.Equal("nvml_exporter_sample_duration_seconds_count 3", Lines(text, "nvml_exporter_sample_duration_seconds_count").Single());
    }

    private static GpuReading Healthy(uint index) => Gpu(index) with
    {
        MemoryClockMhz = 2619,
        EnergyMillijoules = 987_654_321,
        EncoderUtilizationPercent = 12,
        DecoderUtilizationPercent = 34,
        PcieReplays = 5,
        EccCorrectedAggregate = 7,
        EccUncorrectedAggregate = 2,
        ClocksEventReasons = 0x4 | 0x40,
        RemappedRows = new NvmlRemappedRows(3, 1, Pending: true, Failed: false),
        Xid = XidReading.None,
    };

    [Theory]
    // Each dcgm-exporter default counter that NVML answers, with the fake value and its type.
    [InlineData("DCGM_FI_DEV_MEM_CLOCK", "gauge", "2619")]
    [InlineData("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "counter", "987654321")]
    [InlineData("DCGM_FI_DEV_ENC_UTIL", "gauge", "12")]
    [InlineData("DCGM_FI_DEV_DEC_UTIL", "gauge", "34")]
    [InlineData("DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "counter", "5")]
    [InlineData("DCGM_FI_DEV_ECC_SBE_AGG_TOTAL", "counter", "7")]
    [InlineData("DCGM_FI_DEV_ECC_DBE_AGG_TOTAL", "counter", "2")]
    [InlineData("DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", "counter", "3")]
    [InlineData("DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", "counter", "1")]
    [InlineData("DCGM_FI_DEV_ROW_REMAP_PENDING", "gauge", "1")]
    [InlineData("DCGM_FI_DEV_ROW_REMAP_FAILURE", "gauge", "0")]
    [InlineData("DCGM_FI_DEV_CLOCKS_EVENT_REASONS", "gauge", "68")]
    // Watched, no XID yet: 0, as dcgm-exporter reports it.
    [InlineData("DCGM_FI_DEV_XID_ERRORS", "gauge", "0")]
    public void Render_HealthCounters_DcgmNameTypeAndValue(string name, string type, string value)
    {
        var text = Render(Snapshot(Healthy(0)));

        Assert.Contains($"# TYPE {name} {type}\n", text, StringComparison.Ordinal);
        Assert.EndsWith(" " + value, Lines(text, name).Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_HealthCountersNvmlDidNotAnswer_AreAbsent()
    {
        var text = Render(Snapshot(Gpu(0)));

        Assert.Empty(Lines(text, "DCGM_FI_DEV_XID_ERRORS"));
        Assert.Empty(Lines(text, "DCGM_FI_DEV_RETIRED_SBE"));
        Assert.Empty(Lines(text, "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS"));
        Assert.Empty(Lines(text, "gpu_clocks_event_reason_active"));
        Assert.Empty(Lines(text, "gpu_xid_errors_total"));
    }

    [Fact]
    public void Render_Xids_LastValueAndACounterPerXidNumber()
    {
        var xids = XidReading.None.Counts.Add(48, 1).Add(79, 2);
        var text = Render(Snapshot(Healthy(0) with { Xid = new XidReading(79, xids) }));

        Assert.EndsWith(" 79", Lines(text, "DCGM_FI_DEV_XID_ERRORS").Single(), StringComparison.Ordinal);
        var counts = Lines(text, "gpu_xid_errors_total");
        Assert.Equal(2, counts.Length);
        Assert.Contains("xid=\"48\"} 1", counts[0], StringComparison.Ordinal);
        Assert.Contains("uuid=\"GPU-0\"", counts[1], StringComparison.Ordinal);
        Assert.EndsWith("xid=\"79\"} 2", counts[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ClocksEventReasons_OneSeriesPerReasonFromTheBitmask()
    {
        var text = Render(Snapshot(Healthy(0)));

        var reasons = Lines(text, "gpu_clocks_event_reason_active");
        Assert.Equal(9, reasons.Length);
        Assert.Equal(["sw_power_cap", "hw_thermal_slowdown"], reasons.Where(l => l.EndsWith(" 1", StringComparison.Ordinal)).Select(l => l.Split("reason=\"")[1].Split('"')[0]));
    }

    [Fact]
    public void Render_RetiredPages_CountsAndPendingFlag()
    {
        var volta = Gpu(0) with { RetiredPagesSingleBit = 4, RetiredPagesDoubleBit = 1, RetiredPagesPending = true };

        var text = Render(Snapshot(volta));

        Assert.EndsWith(" 4", Lines(text, "DCGM_FI_DEV_RETIRED_SBE").Single(), StringComparison.Ordinal);
        Assert.EndsWith(" 1", Lines(text, "DCGM_FI_DEV_RETIRED_DBE").Single(), StringComparison.Ordinal);
        Assert.EndsWith(" 1", Lines(text, "DCGM_FI_DEV_RETIRED_PENDING").Single(), StringComparison.Ordinal);
    }

    [Theory]
    // dcgm-exporter 4.8.2 and earlier.
    [InlineData(MetricsRenderer.DcgmHostnameLabelDefault)]
    // Later versions renamed it.
    [InlineData(MetricsRenderer.DcgmHostnameLabelLowercase)]
    public void Render_HostnameLabelChoice_NamesTheDcgmNodeLabel(string label)
    {
        var renderer = new MetricsRenderer("node-a", label);

        var text = Encoding.UTF8.GetString(renderer.Render(Snapshot(Gpu(0)), DeviceAttribution.None));

        Assert.Contains($",{label}=\"node-a\"", Lines(text, "DCGM_FI_DEV_GPU_UTIL").Single(), StringComparison.Ordinal);
        Assert.Contains(",hostname=\"node-a\"", Lines(text, "gpu_utilization_percent").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_JoinedPodSeries_OneSeriesPerDeviceWithEveryContainer()
    {
        var renderer = new MetricsRenderer("node-a", podSeries: PodSeries.Joined);
        var pods = ImmutableArray.Create(new PodRef("llm", "vllm-0", "server"), new PodRef("llm", "vllm-1", "server"), new PodRef("batch", "embed-0", "worker"));
        var attribution = new DeviceAttribution(new Dictionary<string, ImmutableArray<PodRef>> { ["GPU-0"] = pods, ["GPU-1"] = [pods[0]] }, Now);

        var text = Encoding.UTF8.GetString(renderer.Render(Snapshot(Gpu(0), Gpu(1)), attribution));

        var power = Lines(text, "DCGM_FI_DEV_POWER_USAGE");
        Assert.Equal(2, power.Length);
        Assert.Contains("pod=\"vllm-0,vllm-1,embed-0\",namespace=\"llm,llm,batch\",container=\"server,server,worker\"", power[0], StringComparison.Ordinal);
        Assert.Contains("pod=\"vllm-0\",namespace=\"llm\",container=\"server\"", power[1], StringComparison.Ordinal);
        Assert.EndsWith(" 3", Lines(text, "gpu_attributed_pods")[0], StringComparison.Ordinal);
    }
}
