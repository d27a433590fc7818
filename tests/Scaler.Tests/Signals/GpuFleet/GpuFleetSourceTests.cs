using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Scaler.Decisions;
using Scaler.Signals;
using Scaler.Signals.GpuFleet;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.PrometheusText;
using Scaler.Tests.Signals.PrometheusText;
using static Scaler.Tests.Signals.GpuFleet.StaticWorkloadPods;

namespace Scaler.Tests.Signals.GpuFleet;

/// <summary>
/// The GPU fleet read end to end: real exporter processes on the fake NVML attributing devices through
/// fake kubelets (<see cref="TwoNodeFleet"/>), plus a loopback server standing in for a failing third node.
/// </summary>
public sealed class GpuFleetSourceTests(TwoNodeFleet fleet) : IClassFixture<TwoNodeFleet>, IAsyncLifetime
{
    private static readonly WorkloadRef Vllm = new("llm", "vllm");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly Dictionary<string, Uri> _endpoints = new(StringComparer.Ordinal);
    private LoopbackMetricsServer _faults = null!;

    public async Task InitializeAsync()
    {
        _faults = await LoopbackMetricsServer.StartAsync();
        _endpoints["gpu-a"] = fleet.ExporterA.MetricsUrl;
        _endpoints["gpu-b"] = fleet.ExporterB.MetricsUrl;
    }

    public async Task DisposeAsync() => await _faults.DisposeAsync();

    /// <summary>The workload's five pods on the two real nodes, plus <paramref name="more"/>.</summary>
    private static StaticWorkloadPods Cluster(params WorkloadPod[] more)
    {
        var nodes = more.Select(p => p.NodeName!).Distinct().Select(n => Exporter(n));
        return new StaticWorkloadPods()
            .WithPods([Pod("vllm-0"), Pod("vllm-1"), Pod("vllm-2"), Pod("vllm-3", "gpu-b"), Pod("vllm-4", "gpu-b"), .. more])
            .WithExporters([Exporter("gpu-a"), Exporter("gpu-b"), .. nodes]);
    }

    private GpuFleetSource Source(IWorkloadPods pods, TimeSpan? timeout = null) => new(
        pods,
        new MetricsScraper(fleet.Http, TimeProvider.System),
        Options.Create(new GpuFleetOptions
        {
            ScrapeTimeout = timeout ?? TimeSpan.FromSeconds(5),
            EndpointResolver = exporter => _endpoints[exporter.NodeName!],
        }),
        _time,
        NullLogger<GpuFleetSource>.Instance);

    private static GpuFleetQuery Query(GpuFleetAggregate aggregate = GpuFleetAggregate.MeanUtilization) => new(Vllm, aggregate);

    [Theory]
    // (40 + 80 + 60) / 3: A0 once though two pods share it, the trainer's A2 left out, the MIG device has no utilization
    [InlineData("MeanUtilization", 0.6)]
    // the MIG device's 5 of 10 GiB is the highest
    [InlineData("MaxMemoryUsed", 0.5)]
    // A0, A1, B0 and the MIG device
    [InlineData("DeviceCount", 4)]
    public async Task ReadAsync_TwoRealExporters_AggregatesTheWorkloadsDevicesOnce(string aggregate, double expected)
    {
        var reading = await Source(Cluster()).ReadAsync(Query(Enum.Parse<GpuFleetAggregate>(aggregate)), CancellationToken.None);

        Assert.Equal(SignalStatus.Fresh, reading.Status);
        Assert.Equal(expected, reading.Value, 6);
        Assert.Equal(_time.GetUtcNow(), reading.ObservedAt);
        Assert.Equal(new Coverage(2, 2, []).Answered, reading.Coverage?.Answered);
        Assert.False(reading.Coverage?.IsPartial);
    }

    [Fact]
    public async Task ReadAsync_PodUtilization_EachPodItsOwnDevicesTimeSlicedWholeMigLeftOut()
    {
        var reading = await Source(Cluster()).ReadAsync(Query(GpuFleetAggregate.PodUtilization), CancellationToken.None);

        // A0 (40 %) is time-sliced by vllm-0 and vllm-1: NVML cannot split its duty cycle, each gets all of it.
        // vllm-4 holds only a MIG device, which has no utilization: it has no value (not 0).
        Assert.Equal(SignalStatus.Fresh, reading.Status);
        Assert.Equal([new("vllm-0", 40), new("vllm-1", 40), new("vllm-2", 80), new("vllm-3", 60)], reading.PerPod);
        Assert.Equal(55, reading.Value, 6);
    }

    [Fact]
    public async Task ReadAsync_PodMemoryUsed_BytesOfEachPodsDevicesMigInstanceItsOwn()
    {
        var reading = await Source(Cluster()).ReadAsync(Query(GpuFleetAggregate.PodMemoryUsed), CancellationToken.None);

        // The time-sliced A0's 8 GiB for both its pods; the MIG slot's own 5 GiB for vllm-4.
        Assert.Equal(
            [new("vllm-0", 8.0 * (1L << 30)), new("vllm-1", 8.0 * (1L << 30)), new("vllm-2", 4.0 * (1L << 30)), new("vllm-3", 2.0 * (1L << 30)), new("vllm-4", 5.0 * (1L << 30))],
            reading.PerPod);
    }

    [Fact]
    public async Task ReadAsync_PodNotReady_ItsDevicesAreLeftOut()
    {
        var pods = Cluster();
        pods.WithPods(Pod("vllm-0"), Pod("vllm-1"), Pod("vllm-2", ready: false), Pod("vllm-3", "gpu-b"), Pod("vllm-4", "gpu-b"));

        var reading = await Source(pods).ReadAsync(Query(), CancellationToken.None);

        // (40 + 60) / 2: A1 belongs to a pod that is not ready.
        Assert.Equal(0.5, reading.Value, 6);
    }

    [Fact]
    public async Task ReadAsync_OnlyMigDevices_UtilizationUnavailableButCounted()
    {
        var pods = new StaticWorkloadPods().WithPods(Pod("vllm-4", "gpu-b")).WithExporters(Exporter("gpu-b"));

        var utilization = await Source(pods).ReadAsync(Query(), CancellationToken.None);
        var count = await Source(pods).ReadAsync(Query(GpuFleetAggregate.DeviceCount), CancellationToken.None);

        Assert.Equal(SignalStatus.Unavailable, utilization.Status);
        Assert.True(double.IsNaN(utilization.Value));
        Assert.Equal("no GPU utilization for llm/vllm: its 1 device(s) report none (MIG devices have no utilization in NVML)", utilization.Reason);
        Assert.Equal(1, count.Value);
    }

    [Fact]
    public async Task ReadAsync_OneExporterDown_PartialCoverageValueFromTheOthers()
    {
        _endpoints["gpu-c"] = LoopbackMetricsServer.Closed();

        var reading = await Source(Cluster(Pod("vllm-5", "gpu-c"))).ReadAsync(Query(), CancellationToken.None);

        Assert.Equal(SignalStatus.Fresh, reading.Status);
        Assert.Equal(0.6, reading.Value, 6);
        Assert.Equal(2, reading.Coverage?.Answered);
        Assert.Equal(3, reading.Coverage?.Expected);
        Assert.Equal(["node gpu-c: exporter gpu-system/nvml-exporter-gpu-c: connection refused"], reading.Coverage?.Missing);
    }

    [Theory]
    // HTTP 500
    [InlineData("status500", "HTTP 500")]
    // an HTML page where metrics should be
    [InlineData("garbage", "malformed metrics: line 1: ")]
    // headers, then nothing until the timeout
    [InlineData("slow", "no answer within 300ms")]
    // reset in the middle of the body
    [InlineData("reset", "connection broken mid-answer")]
    // the exporter runs but NVML does not (no driver on the node)
    [InlineData("nvmlDown", "NVML is not up on the node")]
    // the exporter's last sample is 45 s old (a wedged driver call)
    [InlineData("stale", "its last GPU sample is 45s old")]
    public async Task ReadAsync_ThirdNodeFails_ReportedAsMissingWithWhy(string fault, string why)
    {
        _endpoints["gpu-c"] = fault switch
        {
            "status500" => _faults.Status("/c", 500),
            "garbage" => _faults.Text("/c", "<html><body>502 Bad Gateway</body></html>"),
            "slow" => _faults.Hang("/c"),
            "reset" => _faults.Reset("/c"),
            "nvmlDown" => _faults.Text("/c", "# TYPE nvml_exporter_nvml_up gauge\nnvml_exporter_nvml_up 0\n"),
            _ => _faults.Text("/c", "nvml_exporter_nvml_up 1\nnvml_exporter_last_sample_age_seconds 45.2\n"),
        };

        var timeout = fault == "slow" ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromSeconds(5);
        var reading = await Source(Cluster(Pod("vllm-5", "gpu-c")), timeout).ReadAsync(Query(), CancellationToken.None);

        Assert.Equal(SignalStatus.Fresh, reading.Status);
        Assert.Equal(0.6, reading.Value, 6);
        Assert.Equal(2, reading.Coverage?.Answered);
        var missing = Assert.Single(reading.Coverage!.Missing);
        Assert.StartsWith("node gpu-c: exporter gpu-system/nvml-exporter-gpu-c: " + why, missing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_DcgmExporterOnANode_ReadsItsNames()
    {
        _endpoints["gpu-c"] = _faults.Text("/c", """
            # HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).
            # TYPE DCGM_FI_DEV_GPU_UTIL gauge
            DCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-cccccccc-0000-4000-8000-000000000000",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-c",container="server",namespace="llm",pod="vllm-5"} 90
            DCGM_FI_DEV_GPU_UTIL{gpu="1",UUID="GPU-cccccccc-0000-4000-8000-000000000001",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-c"} 0
            # TYPE DCGM_FI_DEV_FB_USED gauge
            DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-cccccccc-0000-4000-8000-000000000000",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-c",container="server",namespace="llm",pod="vllm-5"} 72000
            # TYPE DCGM_FI_DEV_FB_TOTAL gauge
            DCGM_FI_DEV_FB_TOTAL{gpu="0",UUID="GPU-cccccccc-0000-4000-8000-000000000000",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="gpu-c",container="server",namespace="llm",pod="vllm-5"} 80000
            """);
        var source = Source(Cluster(Pod("vllm-5", "gpu-c")));

        var utilization = await source.ReadAsync(Query(), CancellationToken.None);
        var memory = await source.ReadAsync(Query(GpuFleetAggregate.MaxMemoryUsed), CancellationToken.None);

        // (40 + 80 + 60 + 90) / 4; the unattributed GPU 1 is not the workload's.
        Assert.Equal(0.675, utilization.Value, 6);
        Assert.Equal(0.9, memory.Value, 6);
    }

    [Fact]
    public async Task ReadAsync_MostNodesFailed_Unavailable()
    {
        _endpoints["gpu-c"] = LoopbackMetricsServer.Closed();
        _endpoints["gpu-d"] = _faults.Status("/d", 500);
        _endpoints["gpu-e"] = _faults.Status("/e", 503);
        var pods = Cluster(Pod("vllm-5", "gpu-c"), Pod("vllm-6", "gpu-d"), Pod("vllm-7", "gpu-e"));

        var reading = await Source(pods).ReadAsync(Query(), CancellationToken.None);

        Assert.Equal(SignalStatus.Unavailable, reading.Status);
        Assert.True(double.IsNaN(reading.Value));
        Assert.StartsWith("only 2 of 5 GPU nodes of llm/vllm answered: node gpu-c: ", reading.Reason, StringComparison.Ordinal);
        Assert.Equal(3, reading.Coverage?.Missing.Count);
    }

    [Fact]
    public async Task ReadAsync_AllExportersDown_ThrowsForThePipeline()
    {
        _endpoints["gpu-a"] = LoopbackMetricsServer.Closed();
        _endpoints["gpu-b"] = _faults.Status("/b", 502);

        var e = await Assert.ThrowsAsync<SignalSourceException>(async () => await Source(Cluster()).ReadAsync(Query(), CancellationToken.None));

        Assert.Equal("no GPU exporter answered for the 2 node(s) of llm/vllm: node gpu-a: exporter gpu-system/nvml-exporter-gpu-a: connection refused; node gpu-b: exporter gpu-system/nvml-exporter-gpu-b: HTTP 502", e.Message);
        // One refused, one answered 502: not every exporter is out of reach, so this is no verdict on the upstream.
        Assert.False(e.UpstreamUnreachable);
    }

    [Fact]
    public async Task ReadAsync_AllExportersAnswerGarbage_UnavailableNotRetried()
    {
        _endpoints["gpu-a"] = _faults.Text("/a", "not metrics");
        _endpoints["gpu-b"] = _faults.Status("/b", 404);

        var reading = await Source(Cluster()).ReadAsync(Query(), CancellationToken.None);

        Assert.Equal(SignalStatus.Unavailable, reading.Status);
        Assert.StartsWith("no GPU exporter answered for the 2 node(s) of llm/vllm", reading.Reason, StringComparison.Ordinal);
        Assert.Equal(0, reading.Coverage?.Answered);
    }

    [Fact]
    public async Task ReadAsync_NoSeriesAttributedToTheWorkload_UnavailableNotZero()
    {
        var pods = new StaticWorkloadPods().WithPods(Pod("vllm-9"), Pod("vllm-10", "gpu-b")).WithExporters(Exporter("gpu-a"), Exporter("gpu-b"));

        var reading = await Source(pods).ReadAsync(Query(), CancellationToken.None);

        Assert.Equal(SignalStatus.Unavailable, reading.Status);
        Assert.True(double.IsNaN(reading.Value));
        Assert.Equal("no GPU series attributed to pods of llm/vllm", reading.Reason);
        Assert.Equal(2, reading.Coverage?.Answered);
    }

    [Fact]
    public async Task ReadAsync_NodeWithoutExporter_MissingFromCoverage()
    {
        var pods = Cluster();
        pods.WithPods([.. pods.Pods.Pods, Pod("vllm-5", "gpu-c")]);

        var reading = await Source(pods).ReadAsync(Query(), CancellationToken.None);

        Assert.Equal(0.6, reading.Value, 6);
        Assert.Equal(["node gpu-c: no exporter pod on the node"], reading.Coverage?.Missing);
    }

    [Fact]
    public async Task ReadAsync_PodsUnknown_UnavailableWithTheReason()
    {
        var pods = new StaticWorkloadPods { Pods = PodSet.Unknown("ScaledObject llm/vllm not found") };

        var reading = await Source(pods).ReadAsync(Query(), CancellationToken.None);

        Assert.Equal(SignalStatus.Unavailable, reading.Status);
        Assert.Equal("pods of llm/vllm unknown: ScaledObject llm/vllm not found", reading.Reason);
        Assert.Empty(pods.ExporterQueries);
    }

    [Fact]
    public async Task ReadAsync_ExportersUnknown_UnavailableWithTheReason()
    {
        var pods = Cluster();
        pods.Exporters = PodSet.Unknown("exporter cache not synced");

        var reading = await Source(pods).ReadAsync(Query(), CancellationToken.None);

        Assert.Equal("GPU exporters on the nodes of llm/vllm unknown: exporter cache not synced", reading.Reason);
        Assert.Equal(["gpu-a", "gpu-b"], Assert.Single(pods.ExporterQueries));
    }

    [Fact]
    public async Task ReadAsync_NoReadyPods_Unavailable()
    {
        var pods = new StaticWorkloadPods().WithPods(Pod("vllm-0", ready: false), Pod("vllm-1", node: null));

        var reading = await Source(pods).ReadAsync(Query(), CancellationToken.None);

        Assert.Equal("no ready pods of llm/vllm on a node", reading.Reason);
    }
}
