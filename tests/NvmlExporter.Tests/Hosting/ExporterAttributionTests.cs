using NvmlExporter.Tests.Attribution;
using NvmlExporter.Tests.FakeNvml;
using NvmlExporter.Tests.Support;

namespace NvmlExporter.Tests.Hosting;

/// <summary>The exporter process attributing GPUs to pods through a fake kubelet on a real unix socket.</summary>
public sealed class ExporterAttributionTests : IDisposable
{
    private readonly FakeGpuFleet _fleet = new();
    private readonly TempSocketDirectory _socket = new();

    public void Dispose()
    {
        _fleet.Dispose();
        _socket.Dispose();
    }

    private static string[] Series(string text, string name) =>
        [.. text.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal))];

    [Fact]
    public async Task Metrics_WholeTimeSlicedAndMigDevices_EveryPodIsAttributed()
    {
        var node = FakeGpuFleet.H100Node(2);
        var a100 = FakeGpuFleet.A100Mig(2, instances: 2);
        _fleet.Write([node[0], node[1], a100]);
        var answer = KubeletAnswers.List(
            // Four pods time-slicing GPU 0 (replica ids GPU-<uuid>::<n>).
            KubeletAnswers.Pod("llm", "vllm-0", KubeletAnswers.Container("server", KubeletAnswers.Devices("nvidia.com/gpu", node[0].Uuid + "::0"))),
            KubeletAnswers.Pod("llm", "vllm-1", KubeletAnswers.Container("server", KubeletAnswers.Devices("nvidia.com/gpu", node[0].Uuid + "::1"))),
            KubeletAnswers.Pod("llm", "vllm-2", KubeletAnswers.Container("server", KubeletAnswers.Devices("nvidia.com/gpu", node[0].Uuid + "::2"))),
            KubeletAnswers.Pod("llm", "vllm-3", KubeletAnswers.Container("server", KubeletAnswers.Devices("nvidia.com/gpu", node[0].Uuid + "::3"))),
            // A whole GPU.
            KubeletAnswers.Pod("train", "trainer", KubeletAnswers.Container("main", KubeletAnswers.Devices("nvidia.com/gpu", node[1].Uuid))),
            // A MIG device.
            KubeletAnswers.Pod("llm", "small-model", KubeletAnswers.Container("server", KubeletAnswers.Devices("nvidia.com/mig-1g.10gb", a100.Mig[1].Uuid))));
        await using var kubelet = await FakeKubelet.StartAsync(_socket.SocketPath, answer);
        await using var exporter = await ExporterProcess.StartAsync(_fleet, args: ["--kubernetes", "true", "--pod-resources-socket", _socket.SocketPath, "--attribution-interval", "1s"]);

        var text = await exporter.ScrapeUntilAsync(t => t.Contains("pod=\"small-model\"", StringComparison.Ordinal));

        var shared = Series(text, "DCGM_FI_DEV_GPU_UTIL").Where(l => l.Contains(node[0].Uuid, StringComparison.Ordinal)).ToArray();
        Assert.Equal(["vllm-0", "vllm-1", "vllm-2", "vllm-3"], shared.Select(l => l.Split("pod=\"")[1].Split('"')[0]));
        Assert.All(shared, l => Assert.EndsWith($" {node[0].Utilization}", l, StringComparison.Ordinal));
        Assert.Contains(Series(text, "gpu_attributed_pods"), l => l.Contains(node[0].Uuid, StringComparison.Ordinal) && l.EndsWith(" 4", StringComparison.Ordinal));
        Assert.Contains(Series(text, "DCGM_FI_DEV_GPU_UTIL"), l => l.Contains(node[1].Uuid, StringComparison.Ordinal) && l.Contains("pod=\"trainer\",namespace=\"train\",container=\"main\"", StringComparison.Ordinal));
        var mig = Assert.Single(Series(text, "DCGM_FI_DEV_FB_USED"), l => l.Contains("pod=\"small-model\"", StringComparison.Ordinal));
        Assert.Contains($"GPU_I_ID=\"{a100.Mig[1].GpuInstanceId}\"", mig, StringComparison.Ordinal);
        Assert.Contains("nvml_exporter_pod_resources_up 1", text, StringComparison.Ordinal);
        var (exitCode, findings) = await Tools.PromtoolCheckMetricsAsync(text);
        Assert.True(exitCode is 0 or 3, findings);
        Assert.All(findings.Split('\n', StringSplitOptions.RemoveEmptyEntries), f => Assert.StartsWith("DCGM_FI_DEV_", f, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_NoKubeletSocket_ServesUnattributedSeries()
    {
        _fleet.Write(FakeGpuFleet.H100Node(2));
        await using var exporter = await ExporterProcess.StartAsync(_fleet, args: ["--kubernetes", "true", "--pod-resources-socket", _socket.SocketPath]);

        var text = await exporter.ScrapeUntilAsync(t => Series(t, "DCGM_FI_DEV_GPU_UTIL").Length == 2);

        Assert.DoesNotContain("pod=", text, StringComparison.Ordinal);
        Assert.Contains("nvml_exporter_pod_resources_up 0", text, StringComparison.Ordinal);
        Assert.Single(exporter.Output.Split('\n'), l => l.Contains(_socket.SocketPath, StringComparison.Ordinal));
    }
}
