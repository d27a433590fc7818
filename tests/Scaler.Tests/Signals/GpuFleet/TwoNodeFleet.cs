using NvmlExporter.Tests.FakeNvml;
using Scaler.Signals.PrometheusText;
using static Scaler.Tests.Signals.GpuFleet.PodResourcesKubelet;

namespace Scaler.Tests.Signals.GpuFleet;

/// <summary>
/// Two GPU nodes, each with a real exporter process on the fake NVML and a fake kubelet attributing
/// its devices, started once for the tests that share them:
/// <code>
/// node gpu-a: A0 H100 util 40%, time-sliced by llm/vllm-0 and llm/vllm-1 (replicas ::0, ::1)
///             A1 H100 util 80%, llm/vllm-2
///             A2 H100 util 100%, other/trainer (another workload)
/// node gpu-b: B0 H100 util 60%, llm/vllm-3
///             B1 A100 in MIG mode; MIG slot 0 (1g.10gb, 5 of 10 GiB used) held by llm/vllm-4
/// </code>
/// The workload llm/vllm holds A0, A1, B0 and the MIG device: mean utilization (40 + 80 + 60) / 3 = 60%
/// (55% if A0 were counted twice, 70% with the trainer's GPU), highest memory use 0.5 (the MIG device).
/// </summary>
public sealed class TwoNodeFleet : IAsyncLifetime, IDisposable
{
    private readonly FakeGpuFleet _gpusA = new();
    private readonly FakeGpuFleet _gpusB = new();
    private readonly List<IAsyncDisposable> _running = [];

    internal static readonly FakeGpu A0 = new(FakeGpuFleet.Uuid(0)) { Utilization = 40, UsedBytes = 8L << 30 };
    internal static readonly FakeGpu A1 = new(FakeGpuFleet.Uuid(1)) { Pci = "00000000:27:00.0", Utilization = 80, UsedBytes = 4L << 30 };
    internal static readonly FakeGpu A2 = new(FakeGpuFleet.Uuid(2)) { Pci = "00000000:37:00.0", Utilization = 100, UsedBytes = 70L << 30 };
    internal static readonly FakeGpu B0 = new(FakeGpuFleet.Uuid(10)) { Utilization = 60, UsedBytes = 2L << 30 };
    internal static readonly FakeGpu B1 = MigWithSlot0HalfUsed();

    internal NvmlExporterProcess ExporterA { get; private set; } = null!;

    internal NvmlExporterProcess ExporterB { get; private set; } = null!;

    public HttpClient Http { get; } = new(ScrapeHandler.Create());

    public async Task InitializeAsync()
    {
        _gpusA.Write([A0, A1, A2]);
        _gpusB.Write([B0, B1]);
        var kubeletA = await StartAsync(List(
            Pod("llm", "vllm-0", "nvidia.com/gpu", A0.Uuid + "::0"),
            Pod("llm", "vllm-1", "nvidia.com/gpu", A0.Uuid + "::1"),
            Pod("llm", "vllm-2", "nvidia.com/gpu", A1.Uuid),
            Pod("other", "trainer", "nvidia.com/gpu", A2.Uuid)));
        _running.Add(kubeletA);
        var kubeletB = await StartAsync(List(
            Pod("llm", "vllm-3", "nvidia.com/gpu", B0.Uuid),
            Pod("llm", "vllm-4", "nvidia.com/mig-1g.10gb", B1.Mig[0].Uuid)));
        _running.Add(kubeletB);

        var startA = NvmlExporterProcess.StartAsync(_gpusA, "gpu-a", kubeletA.SocketPath);
        var startB = NvmlExporterProcess.StartAsync(_gpusB, "gpu-b", kubeletB.SocketPath);
        ExporterA = await startA;
        _running.Add(ExporterA);
        ExporterB = await startB;
        _running.Add(ExporterB);
        await ExporterA.WaitForAsync(t => t.Contains("pod=\"trainer\"", StringComparison.Ordinal) && t.Contains("gpu_utilization_percent{", StringComparison.Ordinal), Http);
        await ExporterB.WaitForAsync(t => t.Contains("pod=\"vllm-4\"", StringComparison.Ordinal) && t.Contains("gpu_utilization_percent{", StringComparison.Ordinal), Http);
    }

    private static FakeGpu MigWithSlot0HalfUsed()
    {
        var gpu = FakeGpuFleet.A100Mig(11, instances: 2);
        return gpu with { Mig = [gpu.Mig[0] with { UsedBytes = 5L << 30 }, gpu.Mig[1]] };
    }

    public async Task DisposeAsync()
    {
        foreach (var running in Enumerable.Reverse(_running))
        {
            await running.DisposeAsync();
        }

    }

    public void Dispose()
    {
        Http.Dispose();
        _gpusA.Dispose();
        _gpusB.Dispose();
    }
}
