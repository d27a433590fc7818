using NvmlExporter.Attribution;
using static NvmlExporter.Tests.Attribution.KubeletAnswers;

namespace NvmlExporter.Tests.Attribution;

public sealed class AttributionBuilderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Build_WholeGpu_AttributesItsContainer()
    {
        var attribution = AttributionBuilder.Build(OneGpuPod(H100A), Now);

        Assert.Equal<PodRef>([new PodRef("llm", "vllm-0", "server")], attribution.ForGpu(H100A));
        Assert.Empty(attribution.ForGpu(H100B));
        Assert.Equal(Now, attribution.ObservedAt);
    }

    [Fact]
    public void Build_TwoGpusInOneContainer_AttributesBoth()
    {
        var attribution = AttributionBuilder.Build(
            List(Pod("llm", "vllm-tp2", Container("server", Devices("nvidia.com/gpu", H100A, H100B)))), Now);

        Assert.Equal<PodRef>([new PodRef("llm", "vllm-tp2", "server")], attribution.ForGpu(H100A));
        Assert.Equal<PodRef>([new PodRef("llm", "vllm-tp2", "server")], attribution.ForGpu(H100B));
    }

    [Fact]
    public void Build_MigDevices_AttributesEachByMigUuid()
    {
        var attribution = AttributionBuilder.Build(
            List(
                Pod("batch", "embed-a", Container("worker", Devices("nvidia.com/mig-1g.10gb", Mig1g10gb))),
                Pod("batch", "embed-b", Container("worker", Devices("nvidia.com/mig-1g.10gb", Mig1g10gbOther)))),
            Now);

        Assert.Equal<PodRef>([new PodRef("batch", "embed-a", "worker")], attribution.ForMig(Mig1g10gb, A100Mig, 1));
        Assert.Equal<PodRef>([new PodRef("batch", "embed-b", "worker")], attribution.ForMig(Mig1g10gbOther, A100Mig, 2));
        Assert.Empty(attribution.ForGpu(A100Mig));
    }

    [Fact]
    public void Build_LegacyMigId_AttributesByParentAndGpuInstance()
    {
        var attribution = AttributionBuilder.Build(
            List(Pod("batch", "embed-a", Container("worker", Devices("nvidia.com/mig-1g.10gb", $"MIG-{A100Mig}/7/0")))), Now);

        // NVML on a pre-R470 driver gives the MIG device some UUID the kubelet never saw; parent + GI match.
        Assert.Equal<PodRef>([new PodRef("batch", "embed-a", "worker")], attribution.ForMig("MIG-unknown", A100Mig, 7));
        Assert.Empty(attribution.ForMig("MIG-unknown", A100Mig, 8));
    }

    [Fact]
    public void Build_TimeSlicingFourPodsOnOneGpu_AttributesAllFour()
    {
        // Time-slicing with renameByDefault: the resource is nvidia.com/gpu.shared, ids are GPU-<uuid>::<replica>.
        var attribution = AttributionBuilder.Build(
            List(
                Pod("llm", "chat-3", Container("server", Devices("nvidia.com/gpu.shared", $"{H100A}::3"))),
                Pod("llm", "chat-0", Container("server", Devices("nvidia.com/gpu.shared", $"{H100A}::0"))),
                Pod("llm", "chat-2", Container("server", Devices("nvidia.com/gpu.shared", $"{H100A}::2"))),
                Pod("llm", "chat-1", Container("server", Devices("nvidia.com/gpu.shared", $"{H100A}::1")))),
            Now);

        Assert.Equal<PodRef>(
            [
                new PodRef("llm", "chat-0", "server"),
                new PodRef("llm", "chat-1", "server"),
                new PodRef("llm", "chat-2", "server"),
                new PodRef("llm", "chat-3", "server"),
            ],
            attribution.ForGpu(H100A));
        Assert.Equal(1, attribution.DeviceCount);
    }

    [Fact]
    public void Build_ContainerWithTwoReplicasOfOneGpu_ListsContainerOnce()
    {
        var attribution = AttributionBuilder.Build(
            List(Pod("llm", "greedy", Container("server", Devices("nvidia.com/gpu", $"{H100A}::0", $"{H100A}::1")))), Now);

        Assert.Equal<PodRef>([new PodRef("llm", "greedy", "server")], attribution.ForGpu(H100A));
    }

    [Fact]
    public void Build_SameGpuUnderTwoResourceNames_ListsContainerOnce()
    {
        var attribution = AttributionBuilder.Build(
            List(Pod("llm", "odd", Container(
                "server",
                Devices("nvidia.com/gpu", H100A),
                Devices("nvidia.com/gpu.shared", $"{H100A}::4")))),
            Now);

        Assert.Equal<PodRef>([new PodRef("llm", "odd", "server")], attribution.ForGpu(H100A));
    }

    [Fact]
    public void Build_PodsInAnyOrder_ListsByNamespacePodContainer()
    {
        var attribution = AttributionBuilder.Build(
            List(
                Pod("team-b", "a", Container("main", Devices("nvidia.com/gpu.shared", $"{H100A}::0"))),
                Pod("team-a", "z", Container("sidecar", Devices("nvidia.com/gpu.shared", $"{H100A}::1")),
                    Container("main", Devices("nvidia.com/gpu.shared", $"{H100A}::2"))),
                Pod("team-a", "b", Container("main", Devices("nvidia.com/gpu.shared", $"{H100A}::3")))),
            Now);

        Assert.Equal<PodRef>(
            [
                new PodRef("team-a", "b", "main"),
                new PodRef("team-a", "z", "main"),
                new PodRef("team-a", "z", "sidecar"),
                new PodRef("team-b", "a", "main"),
            ],
            attribution.ForGpu(H100A));
    }

    [Fact]
    public void Build_OtherDevicesAndCpuOnlyPods_AreNotAttributed()
    {
        var attribution = AttributionBuilder.Build(
            List(
                Pod("kube-system", "coredns", Container("coredns")),
                Pod("net", "sriov", Container("app", Devices("intel.com/sriov", "0000:3b:00.2"))),
                Pod("gke", "mig", Container("app", Devices("nvidia.com/gpu", "nvidia0/gi7")))),
            Now);

        Assert.Equal(0, attribution.DeviceCount);
    }

    [Fact]
    public void Build_GpuLookup_IgnoresUuidCase()
    {
        var attribution = AttributionBuilder.Build(OneGpuPod(H100A), Now);

        // NVML writes lower-case hex; the lookup must not depend on who wrote the UUID.
        Assert.Single(attribution.ForGpu(H100A.ToUpperInvariant()));
    }

    [Fact]
    public void SameDevices_EqualAnswers_ReturnsTrue()
    {
        var first = AttributionBuilder.Map(OneGpuPod(H100A));
        var second = AttributionBuilder.Map(OneGpuPod(H100A));

        Assert.True(AttributionBuilder.SameDevices(first, second));
    }

    [Fact]
    public void SameDevices_PodMovedToOtherGpu_ReturnsFalse()
    {
        var first = AttributionBuilder.Map(OneGpuPod(H100A));
        var second = AttributionBuilder.Map(OneGpuPod(H100B));

        Assert.False(AttributionBuilder.SameDevices(first, second));
    }

    [Fact]
    public void SameDevices_PodReplacedOnSameGpu_ReturnsFalse()
    {
        var first = AttributionBuilder.Map(OneGpuPod(H100A, pod: "vllm-0"));
        var second = AttributionBuilder.Map(OneGpuPod(H100A, pod: "vllm-1"));

        Assert.False(AttributionBuilder.SameDevices(first, second));
    }
}
