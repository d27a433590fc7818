using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Scaler.Signals.Kubernetes;
using Scaler.Testing;
using Xunit;
using static Scaler.Tests.Signals.Kubernetes.FakeKubeObjects;

namespace Scaler.Tests.Signals.Kubernetes;

public sealed class KubernetesWorkloadPodsTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Vllm = new() { ["app"] = "vllm" };
    private static readonly WorkloadRef VllmWorkload = new("llm", "vllm-so");

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly List<KubernetesWorkloadPods> _created = [];
    private FakeKubeApi _api = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApi.StartAsync();
        _api.Apply(Deployment("llm", "vllm", Vllm));
        _api.Apply(ScaledObject("llm", "vllm-so", "vllm"));
        _api.Apply(Pod("llm", "vllm-7d9f-a", Vllm, node: "gpu-node-1", ip: "10.0.1.5"));
        _api.Apply(Pod("llm", "vllm-7d9f-b", Vllm, node: "gpu-node-2", ip: "10.0.2.7", ready: false));
        _api.Apply(Pod("llm", "triton-5c4-a", new Dictionary<string, string> { ["app"] = "triton" }, node: "gpu-node-1", ip: "10.0.1.9"));
        _api.Apply(Pod("other", "vllm-6b2-a", Vllm, node: "gpu-node-3", ip: "10.0.3.2"));
    }

    public async Task DisposeAsync()
    {
        foreach (var pods in _created)
        {
            await pods.DisposeAsync();
        }

        await _api.DisposeAsync();
    }

    [Fact]
    public async Task GetPods_ScaledObjectTargetsDeployment_ReturnsSelectedPodsWithReadinessNodesAndIps()
    {
        var pods = Create();

        var set = await KnownAsync(pods, VllmWorkload);

        Assert.Null(set.UnavailableReason);
        Assert.Equal(_time.GetUtcNow(), set.ObservedAt);
        Assert.Equal(
            [new WorkloadPod("llm", "vllm-7d9f-a", "gpu-node-1", "10.0.1.5", true), new WorkloadPod("llm", "vllm-7d9f-b", "gpu-node-2", "10.0.2.7", false)],
            set.Pods);
    }

    [Fact]
    public async Task GetPods_StatefulSetTargetWithMatchExpressions_AppliesTheWholeSelector()
    {
        _api.Apply(StatefulSet("llm", "triton", new Dictionary<string, string> { ["app"] = "triton" }, ("track", "NotIn", ["canary"])));
        _api.Apply(ScaledObject("llm", "triton-so", "triton", "StatefulSet", "apps/v1"));
        _api.Apply(Pod("llm", "triton-5c4-b", new Dictionary<string, string> { ["app"] = "triton", ["track"] = "canary" }));
        var pods = Create();

        var set = await KnownAsync(pods, new WorkloadRef("llm", "triton-so"));

        Assert.Equal(["triton-5c4-a"], set.Pods.Select(p => p.Name));
        Assert.Equal(0, _api.Count("list", "deployments"));
    }

    [Fact]
    public async Task GetPods_PodSelectorOverride_UsesItWithoutTheScaledObject()
    {
        var pods = Create();

        var set = await KnownAsync(pods, new WorkloadRef("llm", "no-such-scaledobject", "app in (vllm,triton),app!=vllm"));

        Assert.Equal(["triton-5c4-a"], set.Pods.Select(p => p.Name));
        Assert.Equal(0, _api.Count("list", "scaledobjects"));
    }

    [Fact]
    public async Task GetPods_SelectedOrOnePod_TheCustomMetricsApisPodSets()
    {
        var pods = Create();

        // The HPA's labelSelector; no selector at all is every pod of the namespace; one pod by name.
        var selected = await KnownAsync(pods, WorkloadRef.Selected("llm", "app=vllm"));
        var everyPod = await KnownAsync(pods, WorkloadRef.Selected("llm", ""));
        var one = await KnownAsync(pods, WorkloadRef.OnePod("llm", "triton-5c4-a"));
        var absent = await KnownAsync(pods, WorkloadRef.OnePod("llm", "gone-0"));

        Assert.Equal(["vllm-7d9f-a", "vllm-7d9f-b"], selected.Pods.Select(p => p.Name));
        Assert.Equal(["triton-5c4-a", "vllm-7d9f-a", "vllm-7d9f-b"], everyPod.Pods.Select(p => p.Name));
        Assert.Equal(["triton-5c4-a"], one.Pods.Select(p => p.Name));
        Assert.Empty(absent.Pods);
        Assert.Equal(0, _api.Count("list", "scaledobjects"));
    }

    [Fact]
    public void GetPods_InvalidPodSelector_UnknownNamingPodSelectorAndTheExpectedForm()
    {
        var pods = Create();

        var set = pods.GetPods(new WorkloadRef("llm", "vllm-so", "app=vllm tier=online"));

        Assert.False(set.IsKnown);
        Assert.Empty(set.Pods);
        Assert.StartsWith("podSelector 'app=vllm tier=online' is not a valid label selector", set.UnavailableReason, StringComparison.Ordinal);
        Assert.Contains(LabelSelector.ExpectedForm, set.UnavailableReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPods_ScaledObjectNotFound_Unknown()
    {
        var pods = Create();

        var reason = await UnknownAsync(pods, new WorkloadRef("llm", "missing"), "not found");

        Assert.Equal("ScaledObject llm/missing not found", reason);
    }

    [Theory]
    // The target Deployment does not exist.
    [InlineData("gone", "Deployment", "apps/v1", "Deployment llm/gone (the scale target of ScaledObject llm/so) not found")]
    // A custom resource with a scale subresource: not resolved, podSelector is the way.
    [InlineData("ray", "RayCluster", "ray.io/v1", "ScaledObject llm/so targets RayCluster (ray.io/v1) ray: only Deployment and StatefulSet (apps/v1) targets are resolved; set podSelector")]
    public async Task GetPods_TargetNotResolvable_UnknownWithReason(string target, string kind, string apiVersion, string expected)
    {
        _api.Apply(ScaledObject("llm", "so", target, kind, apiVersion));
        var pods = Create();

        var reason = await UnknownAsync(pods, new WorkloadRef("llm", "so"), expected[..20]);

        Assert.StartsWith(expected, reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPods_LeaderWorkerSetTarget_SelectedThroughItsScaleSubresource()
    {
        // A custom resource with a /scale subresource: its pods are those its scale's status.selector names.
        _api.Apply(new System.Text.Json.Nodes.JsonObject
        {
            ["apiVersion"] = "leaderworkerset.x-k8s.io/v1",
            ["kind"] = "LeaderWorkerSet",
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "llama-405b", ["namespace"] = "llm" },
            ["spec"] = new System.Text.Json.Nodes.JsonObject { ["replicas"] = 2 },
            ["status"] = new System.Text.Json.Nodes.JsonObject { ["replicas"] = 2, ["hpaPodSelector"] = "app=vllm" },
        });
        _api.Apply(ScaledObject("llm", "lws-so", "llama-405b", "LeaderWorkerSet", "leaderworkerset.x-k8s.io/v1"));
        using var scale = new KubernetesScaleTargets(_api.CreateClient(), _time, NullLogger<KubernetesScaleTargets>.Instance);
        var pods = Create(scaleTargets: scale);

        var set = await Eventually.ReturnsAsync(() => Task.FromResult(pods.GetPods(new WorkloadRef("llm", "lws-so"))), s => s.IsKnown);

        Assert.Equal(["vllm-7d9f-a", "vllm-7d9f-b"], set.Pods.Select(p => p.Name));
        Assert.Equal(1, _api.Count("get", "leaderworkersets/scale"));
    }

    [Fact]
    public async Task GetPods_ScaleTargetWithoutSelector_UnknownSayingSo()
    {
        _api.Apply(new System.Text.Json.Nodes.JsonObject
        {
            ["apiVersion"] = "leaderworkerset.x-k8s.io/v1",
            ["kind"] = "LeaderWorkerSet",
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "bare", ["namespace"] = "llm" },
            ["spec"] = new System.Text.Json.Nodes.JsonObject { ["replicas"] = 1 },
        });
        _api.Apply(ScaledObject("llm", "bare-so", "bare", "LeaderWorkerSet", "leaderworkerset.x-k8s.io/v1"));
        using var scale = new KubernetesScaleTargets(_api.CreateClient(), _time, NullLogger<KubernetesScaleTargets>.Instance);
        var pods = Create(scaleTargets: scale);

        var reason = await UnknownAsync(pods, new WorkloadRef("llm", "bare-so"), "LeaderWorkerSet (leaderworkerset.x-k8s.io/v1) llm/bare (the scale target of ScaledObject llm/bare-so) publishes no selector");

        Assert.Contains("set podSelector in the trigger metadata", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void GetPods_BeforeFirstList_UnknownNeverEmptyKnown()
    {
        _api.FailWith = HttpStatusCode.InternalServerError;
        var pods = Create();

        var set = pods.GetPods(VllmWorkload);

        Assert.False(set.IsKnown);
        Assert.Contains("scaledobjects.keda.sh in namespace llm", set.UnavailableReason, StringComparison.Ordinal);
        Assert.Null(set.ObservedAt);
    }

    [Fact]
    public async Task GetPods_ApiServerDownAtStart_UnknownWithTheErrorThenRecovers()
    {
        await _api.StopAsync();
        var pods = Create();

        var reason = await UnknownAsync(pods, VllmWorkload, "has not listed yet");
        Assert.Contains("HttpRequestException", reason, StringComparison.Ordinal);

        await _api.RestartAsync();
        var set = await KnownAsync(pods, VllmWorkload, advance: true);

        Assert.Equal(2, set.Pods.Count);
    }

    [Fact]
    public async Task GetPods_ServerAnswers500_UnknownNamingTheStatusThenRecovers()
    {
        _api.FailWith = HttpStatusCode.InternalServerError;
        var pods = Create();

        var reason = await UnknownAsync(pods, VllmWorkload, "HTTP 500");
        Assert.Contains("has not listed yet: HTTP 500 InternalServerError", reason, StringComparison.Ordinal);

        _api.FailWith = null;
        Assert.Equal(2, (await KnownAsync(pods, VllmWorkload, advance: true)).Pods.Count);
    }

    [Fact]
    public async Task GetPods_WatchEvents_ReflectedWithoutAnotherList()
    {
        var pods = Create();
        await KnownAsync(pods, VllmWorkload);
        var lists = ListCounts();

        _api.Apply(Pod("llm", "vllm-7d9f-c", Vllm, node: "gpu-node-3", ip: "10.0.3.4"));
        await Eventually.HoldsAsync(() => pods.GetPods(VllmWorkload).Pods.Count == 3);

        // Becomes ready, then the first pod is deleted and the second starts terminating.
        _api.Apply(Pod("llm", "vllm-7d9f-b", Vllm, node: "gpu-node-2", ip: "10.0.2.7", ready: true));
        _api.Delete("pods", "llm", "vllm-7d9f-a");
        _api.Apply(Pod("llm", "vllm-7d9f-c", Vllm, node: "gpu-node-3", ip: "10.0.3.4", terminating: true));
        await Eventually.HoldsAsync(() => pods.GetPods(VllmWorkload).Pods is [{ Name: "vllm-7d9f-b", Ready: true }, { Name: "vllm-7d9f-c", Ready: false }]);

        for (var i = 0; i < 1000; i++)
        {
            Assert.True(pods.GetPods(VllmWorkload).IsKnown);
        }

        Assert.Equal(lists, ListCounts());
        Assert.Equal(lists.Sum(), pods.ListCount);
    }

    [Fact]
    public async Task GetPods_ScaledObjectRetargeted_FollowsTheNewTarget()
    {
        _api.Apply(Deployment("llm", "triton", new Dictionary<string, string> { ["app"] = "triton" }));
        var pods = Create();
        await KnownAsync(pods, VllmWorkload);

        _api.Apply(ScaledObject("llm", "vllm-so", "triton"));

        await Eventually.HoldsAsync(() => pods.GetPods(VllmWorkload).Pods is [{ Name: "triton-5c4-a" }]);
    }

    [Fact]
    public async Task GetPods_WatchConnectionReset_RewatchesFromLastVersionAndSeesLaterEvents()
    {
        var pods = Create();
        await KnownAsync(pods, VllmWorkload);
        await Eventually.HoldsAsync(() => _api.OpenWatches("pods") == 1);

        _api.DropWatches();
        _api.Apply(Pod("llm", "vllm-7d9f-c", Vllm));

        await Eventually.HoldsAsync(() => pods.GetPods(VllmWorkload).Pods.Count == 3, tick: () => _time.Advance(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(1, _api.Count("list", "pods"));
        Assert.True(_api.Count("watch", "pods") >= 2);
    }

    [Fact]
    public async Task GetPods_WatchClosedByServer_RewatchesAtOnceWithoutBackoff()
    {
        var pods = Create();
        await KnownAsync(pods, VllmWorkload);
        _api.Apply(Pod("llm", "vllm-7d9f-c", Vllm));
        await Eventually.HoldsAsync(() => pods.GetPods(VllmWorkload).Pods.Count == 3);

        _api.CloseWatches();
        await Eventually.HoldsAsync(() => _api.Count("watch", "pods") == 2 && _api.OpenWatches("pods") == 1);
        _api.Delete("pods", "llm", "vllm-7d9f-c");

        // No fake time passes: the re-watch did not wait for a backoff.
        await Eventually.HoldsAsync(() => pods.GetPods(VllmWorkload).Pods.Count == 2);
        Assert.Equal(1, _api.Count("list", "pods"));
    }

    [Fact]
    public async Task GetPods_WatchOpenLongPastItsTimeout_AbandonedAndReopened()
    {
        // A half-open connection: the server never ends the stream and no reset arrives.
        var pods = Create(o => o.WatchTimeout = TimeSpan.FromMinutes(10));
        await KnownAsync(pods, VllmWorkload);
        await Eventually.HoldsAsync(() => _api.OpenWatches("pods") == 1);

        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(31));

        await Eventually.HoldsAsync(() => _api.Count("watch", "pods") >= 2, tick: () => _time.Advance(TimeSpan.FromMilliseconds(500)));
        _api.Apply(Pod("llm", "vllm-7d9f-c", Vllm));
        await Eventually.HoldsAsync(() => pods.GetPods(VllmWorkload).Pods.Count == 3, tick: () => _time.Advance(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(1, _api.Count("list", "pods"));
    }

    [Theory]
    // kube-apiserver's way: HTTP 200, then an ERROR event carrying a Status with code 410 (reason Expired).
    [InlineData(false)]
    // A proxy or older server answering the watch request itself with HTTP 410.
    [InlineData(true)]
    public async Task GetPods_WatchResourceVersionTooOld_Relists(bool goneAsHttpStatus)
    {
        var pods = Create();
        await KnownAsync(pods, VllmWorkload);
        _api.GoneAsHttpStatus = goneAsHttpStatus;

        // The cache misses a delete while disconnected, and the server's history no longer reaches back.
        await _api.StopAsync();
        _api.Delete("pods", "llm", "vllm-7d9f-a");
        _api.CompactHistory();
        await _api.RestartAsync();

        await Eventually.HoldsAsync(() => pods.GetPods(VllmWorkload).Pods is [{ Name: "vllm-7d9f-b" }], tick: () => _time.Advance(TimeSpan.FromMilliseconds(500)));
        Assert.True(_api.Count("list", "pods") >= 2);
    }

    [Fact]
    public async Task GetPods_WatchBroken_ServesLastViewMarkedWithBreakTimeThenUnknownAfterStaleAfter()
    {
        var pods = Create(o => o.StaleAfter = TimeSpan.FromMinutes(2));
        await KnownAsync(pods, VllmWorkload);
        await Eventually.HoldsAsync(() => _api.OpenWatches("pods") == 1);
        _api.FailWith = HttpStatusCode.ServiceUnavailable;
        var brokeAt = _time.GetUtcNow();

        _api.DropWatches();
        await Eventually.HoldsAsync(() => pods.GetPods(VllmWorkload).ObservedAt < _time.GetUtcNow() || Advance(TimeSpan.FromSeconds(1)));
        var stale = pods.GetPods(VllmWorkload);
        Assert.True(stale.IsKnown);
        Assert.Equal(2, stale.Pods.Count);
        Assert.InRange(stale.ObservedAt!.Value, brokeAt, brokeAt + TimeSpan.FromMinutes(1));

        _time.Advance(TimeSpan.FromMinutes(3));
        var unknown = pods.GetPods(VllmWorkload);

        Assert.False(unknown.IsKnown);
        Assert.Contains("is out of date: its watch has failed since", unknown.UnavailableReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetExporters_GivenNodes_ReturnsTheExporterPodsOnThoseNodesOnly()
    {
        var exporter = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "nvml-exporter" };
        _api.Apply(Pod("scaler-system", "nvml-exporter-a", exporter, node: "gpu-node-1", ip: "10.0.1.100"));
        _api.Apply(Pod("scaler-system", "nvml-exporter-b", exporter, node: "gpu-node-2", ip: "10.0.2.100", ready: false));
        _api.Apply(Pod("scaler-system", "nvml-exporter-c", exporter, node: "gpu-node-3", ip: "10.0.3.100"));
        _api.Apply(Pod("monitoring", "nvml-exporter-x", exporter, node: "gpu-node-1", ip: "10.0.1.200"));
        _api.Apply(Pod("scaler-system", "scaler-0", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "scaler" }, node: "gpu-node-1"));
        var pods = Create();

        await Eventually.HoldsAsync(() => pods.GetExporters(["gpu-node-1"]).IsKnown);
        var set = pods.GetExporters(["gpu-node-1", "gpu-node-2", "cpu-node-9"]);

        Assert.Equal(
            [new WorkloadPod("scaler-system", "nvml-exporter-a", "gpu-node-1", "10.0.1.100", true), new WorkloadPod("scaler-system", "nvml-exporter-b", "gpu-node-2", "10.0.2.100", false)],
            set.Pods);

        // A new exporter on a node arrives through the watch.
        _api.Apply(Pod("scaler-system", "nvml-exporter-d", exporter, node: "gpu-node-2", ip: "10.0.2.101"));
        await Eventually.HoldsAsync(() => pods.GetExporters(["gpu-node-2"]).Pods.Count == 2);
        Assert.Equal(1, _api.Count("list", "pods"));
    }

    [Fact]
    public async Task GetExporters_EmptyNamespace_WatchesAllNamespaces()
    {
        var exporter = new Dictionary<string, string> { ["app"] = "gpu-exporter" };
        _api.Apply(Pod("scaler-system", "gpu-exporter-a", exporter, node: "gpu-node-1"));
        _api.Apply(Pod("monitoring", "gpu-exporter-b", exporter, node: "gpu-node-1"));
        var pods = Create(o =>
        {
            o.ExporterNamespace = "";
            o.ExporterSelector = "app=gpu-exporter";
        });

        await Eventually.HoldsAsync(() => pods.GetExporters(["gpu-node-1"]).Pods.Count == 2);
    }

    [Fact]
    public async Task DisposeAsync_StopsEveryWatch()
    {
        var pods = Create();
        await KnownAsync(pods, VllmWorkload);
        await Eventually.HoldsAsync(() => _api.OpenWatches("pods") == 1 && _api.OpenWatches("scaledobjects") == 1);

        await pods.DisposeAsync();

        await Eventually.HoldsAsync(() => _api.OpenWatches("pods") + _api.OpenWatches("scaledobjects") + _api.OpenWatches("deployments") == 0);
        Assert.False(pods.GetPods(VllmWorkload).IsKnown);
    }

    private KubernetesWorkloadPods Create(Action<KubernetesOptions>? configure = null, IScaleTargets? scaleTargets = null)
    {
        var options = new KubernetesOptions { StaleAfter = TimeSpan.FromHours(1) };
        configure?.Invoke(options);
        var pods = new KubernetesWorkloadPods(_api.CreateClient(), options, _time, NullLogger<KubernetesWorkloadPods>.Instance, scaleTargets);
        _created.Add(pods);
        return pods;
    }

    private int[] ListCounts() => [.. new[] { "pods", "deployments", "statefulsets", "scaledobjects" }.Select(r => _api.Count("list", r))];

    private bool Advance(TimeSpan by)
    {
        _time.Advance(by);
        return false;
    }

    /// <summary>Waits (bounded) for a known answer; with <paramref name="advance"/>, fake time moves on so backoffs end.</summary>
    private async Task<PodSet> KnownAsync(KubernetesWorkloadPods pods, WorkloadRef workload, bool advance = false)
    {
        await Eventually.HoldsAsync(
            () => pods.GetPods(workload).IsKnown,
            tick: advance ? () => _time.Advance(TimeSpan.FromMilliseconds(500)) : null,
            describe: () => $"still unknown: {pods.GetPods(workload).UnavailableReason}");
        return pods.GetPods(workload);
    }

    /// <summary>Waits (bounded) for an unknown answer whose reason contains <paramref name="fragment"/>; asserts it stays empty.</summary>
    private static async Task<string> UnknownAsync(KubernetesWorkloadPods pods, WorkloadRef workload, string fragment)
    {
        await Eventually.HoldsAsync(
            () => pods.GetPods(workload).UnavailableReason?.Contains(fragment, StringComparison.Ordinal) == true,
            describe: () => $"reason: {pods.GetPods(workload).UnavailableReason}");
        var set = pods.GetPods(workload);
        Assert.False(set.IsKnown);
        Assert.Empty(set.Pods);
        return set.UnavailableReason!;
    }
}
