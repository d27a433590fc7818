using System.Net;
using NvmlExporter.Tests.FakeNvml;
using NvmlExporter.Tests.Support;
using Scaler.Testing;

namespace NvmlExporter.Tests.Hosting;

/// <summary>The exporter as Prometheus and the kubelet's probes see it: a real process on the fake NVML.</summary>
public sealed class ExporterProcessTests : IDisposable
{
    private readonly FakeGpuFleet _fleet = new();

    public void Dispose() => _fleet.Dispose();

    private static IEnumerable<string> Series(string text, string name) =>
        text.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal));

    [Fact]
    public async Task Metrics_H100AndMigNode_PromtoolParsesAndLintsOnlyDcgmCompatibleSeries()
    {
        _fleet.Write([.. FakeGpuFleet.H100Node(4), FakeGpuFleet.A100Mig(4)]);
        await using var exporter = await ExporterProcess.StartAsync(_fleet);

        var text = await exporter.ScrapeUntilAsync(t => t.Contains("DCGM_FI_DEV_GPU_UTIL", StringComparison.Ordinal));
        var (exitCode, findings) = await Tools.PromtoolCheckMetricsAsync(text);

        // 0: clean; 3: lint findings only (1 would be a parse error).
        Assert.True(exitCode is 0 or 3, $"promtool exit {exitCode}: {findings}");
        var lines = findings.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines); // the kept-on-purpose modelName/Hostname labels are findings
        Assert.All(lines, line => Assert.StartsWith("DCGM_FI_DEV_", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_GpuLostMidRun_ItsSeriesAreWithdrawnAndTheOthersStay()
    {
        var node = FakeGpuFleet.H100Node(3);
        _fleet.Write(node);
        await using var exporter = await ExporterProcess.StartAsync(_fleet);
        await exporter.ScrapeUntilAsync(t => t.Contains(node[1].Uuid, StringComparison.Ordinal));

        _fleet.Write([node[0], node[1] with { Lost = true }, node[2]]);
        var text = await exporter.ScrapeUntilAsync(t => t.Contains("code=\"GPU_IS_LOST\"", StringComparison.Ordinal));

        Assert.DoesNotContain($"UUID=\"{node[1].Uuid}\"", text, StringComparison.Ordinal);
        Assert.Equal(2, Series(text, "DCGM_FI_DEV_GPU_UTIL").Count());
        Assert.Contains($"nvml_exporter_device_up{{gpu=\"1\",uuid=\"{node[1].Uuid}\"", text, StringComparison.Ordinal);
        Assert.Contains(Series(text, "nvml_exporter_device_up"), l => l.Contains("gpu=\"1\"", StringComparison.Ordinal) && l.EndsWith(" 0", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_HotUnplugAndMigReconfiguration_SeriesFollowTheDevices()
    {
        var node = FakeGpuFleet.H100Node(2);
        _fleet.Write([node[0], node[1], FakeGpuFleet.A100Mig(2, instances: 7)]);
        await using var exporter = await ExporterProcess.StartAsync(_fleet);
        var before = await exporter.ScrapeUntilAsync(t => Series(t, "DCGM_FI_DEV_FB_USED").Count() == 9);

        _fleet.Write([node[0], FakeGpuFleet.A100Mig(2, instances: 2)]);
        var after = await exporter.ScrapeUntilAsync(t => Series(t, "DCGM_FI_DEV_FB_USED").Count() == 3);

        Assert.Contains(node[1].Uuid, before, StringComparison.Ordinal);
        Assert.DoesNotContain(node[1].Uuid, after, StringComparison.Ordinal);
        Assert.DoesNotContain("GPU_I_ID=\"9\"", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_ValueChanges_AreServedWithinAboutOneInterval()
    {
        var gpu = FakeGpuFleet.H100Node(1)[0] with { Utilization = 11 };
        _fleet.Write([gpu]);
        await using var exporter = await ExporterProcess.StartAsync(_fleet);
        await exporter.ScrapeUntilAsync(t => Series(t, "DCGM_FI_DEV_GPU_UTIL").Any(l => l.EndsWith(" 11", StringComparison.Ordinal)));

        _fleet.Write([gpu with { Utilization = 97 }]);

        // The 1 s sampling interval is a behaviour, not a timing goal here: the change must show up
        // (the benchmark measures how fast). Bounded wait, generous for a loaded CI machine.
        await exporter.ScrapeUntilAsync(t => Series(t, "DCGM_FI_DEV_GPU_UTIL").Any(l => l.EndsWith(" 97", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Metrics_OldDriverWithoutVersionedExports_DegradesInsteadOfCrashing()
    {
        var gpu = FakeGpuFleet.H100Node(1)[0] with { UsedBytes = 2_147_483_648, ReservedBytes = 1_073_741_824 };
        _fleet.Write([gpu]);
        await using var exporter = await ExporterProcess.StartAsync(_fleet, FakeGpuFleet.LegacyLibraryPath);

        var text = await exporter.ScrapeUntilAsync(t => t.Contains("DCGM_FI_DEV_FB_USED", StringComparison.Ordinal));

        // v1 memory: used includes reserved, and there is no separate reserved figure.
        Assert.EndsWith(" 3072", Series(text, "DCGM_FI_DEV_FB_USED").Single(), StringComparison.Ordinal);
        Assert.Empty(Series(text, "DCGM_FI_DEV_FB_RESERVED"));
        Assert.EndsWith($" {gpu.Utilization}", Series(text, "DCGM_FI_DEV_GPU_UTIL").Single(), StringComparison.Ordinal);
        Assert.DoesNotContain("pci_bus_id", Series(text, "DCGM_FI_DEV_GPU_UTIL").Single(), StringComparison.Ordinal);
        Assert.Contains("nvmlInit_v2", exporter.Output, StringComparison.Ordinal); // logged as missing
        Assert.DoesNotContain("EntryPointNotFound", exporter.Output, StringComparison.Ordinal);
        // Clocks-event reasons through the pre-535 name; no event API, so no XID series and one line saying so.
        Assert.EndsWith($" {gpu.ClocksEventReasons}", Series(text, "DCGM_FI_DEV_CLOCKS_EVENT_REASONS").Single(), StringComparison.Ordinal);
        Assert.Empty(Series(text, "DCGM_FI_DEV_XID_ERRORS"));
        await exporter.ScrapeUntilAsync(_ => exporter.Output.Contains("XID errors cannot be watched", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_DriverNotLoaded_ServesHealthMetricsAndLogsOneLine()
    {
        _fleet.Write([], initReturn: 9);
        await using var exporter = await ExporterProcess.StartAsync(_fleet);

        var text = await exporter.ScrapeUntilAsync(t => t.Contains("nvml_exporter_sample_duration_seconds_count 3", StringComparison.Ordinal));
        using var ready = await exporter.GetAsync("/readyz");
        using var live = await exporter.GetAsync("/healthz");
        using var dcgmHealth = await exporter.GetAsync("/health");

        Assert.Contains("nvml_exporter_nvml_up 0", text, StringComparison.Ordinal);
        Assert.DoesNotContain("DCGM_", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        // dcgm-exporter's probe path answers like liveness: NVML down is no reason to restart.
        Assert.Equal(HttpStatusCode.OK, dcgmHealth.StatusCode);
        Assert.Single(exporter.Output.Split('\n'), l => l.Contains("NVML unavailable", StringComparison.Ordinal));
    }

    [FactWithoutNvmlDriver]
    public async Task Start_NoNvmlLibraryOnTheHost_StartsWithNvmlDown()
    {
        await using var exporter = await ExporterProcess.StartAsync(new Dictionary<string, string>());

        var text = await exporter.ScrapeUntilAsync(t => t.Contains("nvml_exporter_nvml_up 0", StringComparison.Ordinal));

        Assert.Contains("libnvidia-ml.so.1", exporter.Output, StringComparison.Ordinal);
        Assert.Single(exporter.Output.Split('\n'), l => l.Contains("NVML unavailable", StringComparison.Ordinal));
        Assert.Contains("nvml_exporter_sample_errors_total{function=\"dlopen\",code=\"LIBRARY_NOT_FOUND\"}", text, StringComparison.Ordinal);
    }

    [Theory]
    // A negative interval.
    [InlineData("--interval", "-1s", "--interval")]
    // Not a duration.
    [InlineData("--interval", "fast", "--interval")]
    // Not host:port.
    [InlineData("--listen", "nonsense", "--listen")]
    // Port out of range.
    [InlineData("--listen", "127.0.0.1:99999", "--listen")]
    // A misspelled option.
    [InlineData("--intervall", "1s", "--intervall")]
    public async Task Start_BadOption_StopsWithAMessageNamingIt(string option, string value, string named)
    {
        var (exitCode, output) = await ExporterProcess.RunToExitAsync(new Dictionary<string, string>(), option, value);

        Assert.Equal(2, exitCode);
        Assert.Contains(named, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public async Task Start_UnreadableLibraryPath_StopsNamingNvmlLibraryPath()
    {
        var (exitCode, output) = await ExporterProcess.RunToExitAsync(new Dictionary<string, string> { ["NVML_LIBRARY_PATH"] = "/nonexistent/libnvidia-ml.so.1" });

        Assert.Equal(2, exitCode);
        Assert.Contains("NVML_LIBRARY_PATH", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ListenAddressTaken_StopsNamingTheSetting()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (exitCode, output) = await ExporterProcess.RunToExitAsync(
            new Dictionary<string, string> { ["NVML_LIBRARY_PATH"] = FakeGpuFleet.LibraryPath, ["FAKE_NVML_STATE"] = _fleet.StatePath },
            "--listen", $"127.0.0.1:{port}", "--kubernetes", "false");

        Assert.Equal(2, exitCode);
        Assert.Contains("--listen", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prometheus_ScrapesTheExporter_AndAnswersWithTheFakesValues()
    {
        var node = FakeGpuFleet.H100Node(3);
        _fleet.Write(node);
        await using var exporter = await ExporterProcess.StartAsync(_fleet);
        await using var prometheus = await PrometheusServer.StartAsync($"{exporter.BaseAddress.Host}:{exporter.BaseAddress.Port}");

        // Prometheus scrapes on its own schedule.
        var result = await Eventually.ReturnsAsync(() => prometheus.QueryAsync("DCGM_FI_DEV_GPU_UTIL"), r => r.Count >= node.Count, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(250));

        Assert.Equal(node.Count, result.Count);
        foreach (var gpu in node)
        {
            var series = Assert.Single(result, r => r.Labels["UUID"] == gpu.Uuid);
            Assert.Equal(gpu.Utilization, series.Value);
            Assert.Equal("gpu-node-1", series.Labels["Hostname"]);
            Assert.Equal(gpu.Name, series.Labels["modelName"]);
        }

        var memory = await prometheus.QueryAsync("sum(gpu_memory_used_bytes)");
        Assert.Equal(node.Sum(g => (double)g.UsedBytes), Assert.Single(memory).Value);
    }

    [Fact]
    public async Task Metrics_XidRaisedMidRun_LastValueAndCountOnTheScrape()
    {
        var node = FakeGpuFleet.H100Node(2);
        _fleet.Write(node);
        await using var exporter = await ExporterProcess.StartAsync(_fleet);
        var before = await exporter.ScrapeUntilAsync(t => Series(t, "DCGM_FI_DEV_XID_ERRORS").Count() == 2);
        Assert.All(Series(before, "DCGM_FI_DEV_XID_ERRORS"), l => Assert.EndsWith(" 0", l, StringComparison.Ordinal));
        Assert.Empty(Series(before, "gpu_xid_errors_total"));

        _fleet.Write([node[0], node[1] with { Xids = [79, 79, 48] }]);
        var after = await exporter.ScrapeUntilAsync(t => Series(t, "gpu_xid_errors_total").Count() == 2);

        var last = Series(after, "DCGM_FI_DEV_XID_ERRORS").ToList();
        Assert.EndsWith(" 0", last[0], StringComparison.Ordinal);
        Assert.Contains($"UUID=\"{node[1].Uuid}\"", last[1], StringComparison.Ordinal);
        Assert.EndsWith(" 48", last[1], StringComparison.Ordinal);
        Assert.Contains(Series(after, "gpu_xid_errors_total"), l => l.EndsWith("xid=\"79\"} 2", StringComparison.Ordinal));
        Assert.Contains("XID 79 on GPU", exporter.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_DefaultCounters_EveryOneNvmlGives_WithTheDriverVersionLabel()
    {
        _fleet.Write(FakeGpuFleet.H100Node(1), driver: "570.124.06");
        await using var exporter = await ExporterProcess.StartAsync(_fleet);

        var text = await exporter.ScrapeUntilAsync(t => t.Contains("DCGM_FI_DEV_XID_ERRORS", StringComparison.Ordinal));

        // dcgm-exporter's default counters that NVML can answer (PROF_*, NVLink, vGPU and PCIe throughput need DCGM or other APIs).
        string[] defaults =
        [
            "DCGM_FI_DEV_SM_CLOCK", "DCGM_FI_DEV_MEM_CLOCK", "DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_POWER_USAGE",
            "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "DCGM_FI_DEV_GPU_UTIL",
            "DCGM_FI_DEV_MEM_COPY_UTIL", "DCGM_FI_DEV_ENC_UTIL", "DCGM_FI_DEV_DEC_UTIL", "DCGM_FI_DEV_XID_ERRORS",
            "DCGM_FI_DEV_FB_FREE", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS",
            "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", "DCGM_FI_DEV_ROW_REMAP_FAILURE", "DCGM_FI_DEV_ECC_SBE_AGG_TOTAL",
            "DCGM_FI_DEV_ECC_DBE_AGG_TOTAL", "DCGM_FI_DEV_CLOCKS_EVENT_REASONS",
        ];
        Assert.All(defaults, name => Assert.Contains("DCGM_FI_DRIVER_VERSION=\"570.124.06\"", Series(text, name).Single(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Settings_LowercaseHostnameLabel_RenamesTheDcgmNodeLabel()
    {
        _fleet.Write(FakeGpuFleet.H100Node(1));
        await using var exporter = await ExporterProcess.StartAsync(_fleet, environment: new Dictionary<string, string>
        {
            ["NODE_NAME"] = "gpu-node-7",
            ["NVML_EXPORTER_DCGM_HOSTNAME_LABEL"] = "hostname",
        });

        var text = await exporter.ScrapeUntilAsync(t => t.Contains("DCGM_FI_DEV_GPU_UTIL", StringComparison.Ordinal));

        var util = Series(text, "DCGM_FI_DEV_GPU_UTIL").Single();
        Assert.Contains(",hostname=\"gpu-node-7\"", util, StringComparison.Ordinal);
        Assert.DoesNotContain("Hostname=", util, StringComparison.Ordinal);
    }
}
