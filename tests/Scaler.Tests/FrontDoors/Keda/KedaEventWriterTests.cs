using Microsoft.Extensions.Logging.Testing;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Scaler.FrontDoors.Keda;
using Scaler.Signals.Kubernetes;
using Scaler.Testing;
using Scaler.Tests.Signals.GpuFleet;
using Scaler.Tests.Signals.Kubernetes;
using Scaler.Triggers;
using static Scaler.Tests.FrontDoors.Keda.KedaEventsTests;
using static Scaler.Tests.Signals.Kubernetes.FakeKubeObjects;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>
/// Decisions written as Kubernetes Events, against the loopback fake API server: ScaledObject llm/vllm-so
/// scales Deployment llm/vllm, which runs two ready pods.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable", Justification = "xunit disposes them through IAsyncLifetime.DisposeAsync.")]
public sealed class KedaEventWriterTests : IAsyncLifetime
{
    private const string Query = "sum(vllm:num_requests_waiting{namespace=\"llm\"})";
    private static readonly Dictionary<string, string> Vllm = new() { ["app"] = "vllm" };
    private static readonly ScaledObjectKey VllmSo = new("llm", "vllm-so");

    private readonly FakeTimeProvider _time = new(DecisionsHarness.T0);
    private readonly FakeLoggerProvider _cacheLogs = new();
    private FakeKubeApi _api = null!;
    private KubernetesWorkloadPods _pods = null!;
    private DecisionsHarness? _harness;

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApi.StartAsync();
        _api.Apply(Deployment("llm", "vllm", Vllm));
        _api.Apply(ScaledObject("llm", "vllm-so", "vllm"));
        _api.Apply(Pod("llm", "vllm-7d9f-a", Vllm));
        _api.Apply(Pod("llm", "vllm-7d9f-b", Vllm, node: "gpu-node-2", ip: "10.0.2.7"));
        _pods = new KubernetesWorkloadPods(_api.CreateClient(), new KubernetesOptions(), _time, new Logger<KubernetesWorkloadPods>(new LoggerFactory([_cacheLogs])));

        // The caches the decisions start (ScaledObjects, Deployments, pods), listed before the test begins.
        await Eventually.HoldsAsync(() => _pods.GetPods(new WorkloadRef("llm", "vllm-so")).IsKnown && _pods.GetScaleTarget("llm", "vllm-so")?.Uid is not null);
    }

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }

        await _pods.DisposeAsync();
        await _api.DisposeAsync();
    }

    private async Task<DecisionsHarness> StartAsync(Action<KedaEventsOptions>? events = null, KubernetesCluster? cluster = null, IWorkloadPods? pods = null)
    {
        _harness = new DecisionsHarness(pods ?? _pods, cluster ?? new KubernetesCluster(_api.CreateClient(), null), o =>
        {
            // Every cache is warm: an unknown target is unknown, no need to wait.
            o.TargetWait = TimeSpan.Zero;

            // Tests move virtual time; a write in flight must not time out because of it. Each test still waits
            // for a write to be counted before it moves time.
            o.WriteTimeout = TimeSpan.FromMinutes(5);
            events?.Invoke(o);
        }, _time);
        await _harness.StartAsync();
        return _harness;
    }

    private static DecisionChange Change(int from, int to, string scaledObject = "vllm-so") =>
        new(new TriggerId(new ScaledObjectKey("llm", scaledObject), KedaEventsTests.Metric), Decided(from), Decided(to));

    /// <summary>What was written and logged, for a failure message.</summary>
    private string Describe(IEnumerable<JsonObject> events) =>
        string.Join(" | ", events.Select(e => $"{(string?)e["reason"]} {(string?)e["regarding"]!["name"]}: {(string?)e["note"]}"))
        + "\nlog: " + string.Join("\n", _harness?.Logs.Lines() ?? []) + "\ncaches: " + string.Join("\n", _cacheLogs.Lines());

    private static double Written(DecisionsHarness harness, string result) => harness.KedaMetrics.EventsWritten.WithLabels(result).Value;

    [Fact]
    public async Task DecideAsync_DesiredCountChanges_OneEventOnTheDeployment()
    {
        var harness = await StartAsync();
        harness.Prometheus.Set(Query, 20);

        var decision = await harness.DecideAsync("vllm-so", DecisionsHarness.Metadata(Query));

        Assert.True(decision.Decision.DesiredReplicas == 4, decision.Reason);
        await Eventually.HoldsAsync(() => _api.EventsIn("llm").Count == 1, describe: () => Describe(_api.EventsIn("llm")));
        var written = _api.EventsIn("llm")[0];
        var deployment = _pods.GetScaleTarget("llm", "vllm-so")!;
        Assert.True((string?)written["regarding"]!["kind"] == "Deployment", Describe(_api.EventsIn("llm")));
        Assert.Equal("events.k8s.io/v1", (string?)written["apiVersion"]);
        Assert.StartsWith("vllm.", (string?)written["metadata"]!["name"], StringComparison.Ordinal);
        Assert.Equal(
            new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = "vllm", ["namespace"] = "llm", ["uid"] = deployment.Uid }.ToJsonString(),
            ((JsonObject)written["regarding"]!).ToJsonString());
        Assert.Equal(("Normal", "ScaledUp", "Scale"), ((string?)written["type"], (string?)written["reason"], (string?)written["action"]));
        Assert.Equal(("scaler.ai/scaler", "scaler-7f9c4d5b8-x2x7k"), ((string?)written["reportingController"], (string?)written["reportingInstance"]));
        Assert.StartsWith($"Desired replicas 2 -> 4 for trigger {decision.MetricName}: desired 4 (current 2, ready 2); driven by pending-requests=20 -> 4", (string?)written["note"], StringComparison.Ordinal);
        // A whole second goes out one microsecond later: kube-apiserver wants exactly six fraction digits.
        Assert.Equal("2026-05-01T12:00:00.000001Z", (string?)written["eventTime"]);
        Assert.Null(written["series"]);

        // Counted once the API server's answer is back, just after the event is stored.
        await Eventually.HoldsAsync(() => Written(harness, "created") == 1);
    }

    [Fact]
    public async Task DecideAsync_DesiredCountUnchanged_NoEvent()
    {
        var harness = await StartAsync();
        harness.Prometheus.Set(Query, 20);
        await harness.DecideAsync("vllm-so", DecisionsHarness.Metadata(Query));
        await Eventually.HoldsAsync(() => Written(harness, "created") == 1);
        await harness.AdvanceAsync(DecisionsHarness.Refresh);

        var again = await harness.DecideAsync("vllm-so", DecisionsHarness.Metadata(Query));

        // The queue is first in, first out: once a later event is written, an event for the unchanged
        // decision would have been written before it.
        Assert.Equal(4, again.Decision.DesiredReplicas);
        harness.Writer.Enqueue(Change(1, 2, scaledObject: "sentinel"));
        await Eventually.HoldsAsync(() => _api.EventsIn("llm").Count == 2, describe: () => Describe(_api.EventsIn("llm")));
        Assert.Equal(["vllm", "sentinel"], _api.EventsIn("llm").Select(e => (string?)e["regarding"]!["name"]));
        Assert.Equal(0, _api.Count("patch", "events"));
    }

    [Fact]
    public async Task Enqueue_SameChangeWithinTenMinutes_SeriesOfTheFirstEventNotANewOne()
    {
        var harness = await StartAsync();

        harness.Writer.Enqueue(Change(2, 4));
        await Eventually.HoldsAsync(() => Written(harness, "created") == 1);
        _time.Advance(TimeSpan.FromMinutes(1));
        harness.Writer.Enqueue(Change(2, 4));
        await Eventually.HoldsAsync(() => Written(harness, "patched") == 1);
        _time.Advance(TimeSpan.FromMinutes(1));
        harness.Writer.Enqueue(Change(2, 4));
        await Eventually.HoldsAsync(() => Written(harness, "patched") == 2);

        var aggregated = Assert.Single(_api.EventsIn("llm"));
        Assert.Equal(3, (int?)aggregated["series"]!["count"]);
        Assert.Equal("2026-05-01T12:02:00.000000Z", (string?)aggregated["series"]!["lastObservedTime"]);
        Assert.Equal("2026-05-01T12:00:00.000001Z", (string?)aggregated["eventTime"]);

        // Ten minutes after its last occurrence the series is over: a new event.
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromMilliseconds(1500));
        harness.Writer.Enqueue(Change(2, 4));
        await Eventually.HoldsAsync(() => _api.EventsIn("llm").Count == 2);
        Assert.Null(_api.EventsIn("llm")[1]["series"]);
        Assert.Equal("2026-05-01T12:12:01.500000Z", (string?)_api.EventsIn("llm")[1]["eventTime"]);
    }

    [Fact]
    public async Task Enqueue_OtherChangeOrOtherTrigger_NewEvent()
    {
        var harness = await StartAsync();

        harness.Writer.Enqueue(Change(2, 4));
        harness.Writer.Enqueue(Change(4, 2));
        harness.Writer.Enqueue(new DecisionChange(new TriggerId(VllmSo, "scaler-llm-vllm-so-9f8e7d6c"), Decided(2), Decided(4)));

        await Eventually.HoldsAsync(() => Written(harness, "created") == 3);
        Assert.Equal(3, _api.EventsIn("llm").Count);
        Assert.Equal(0, _api.Count("patch", "events"));
    }

    [Fact]
    public async Task TryParse_InvalidMetadata_OneWarningNamingEveryProblemRepeatsCountedInItsSeries()
    {
        var harness = await StartAsync();
        const string Credentials = "http://admin:hunter2@prometheus.monitoring:9090?x=1";
        var bad = DecisionsHarness.Metadata(Query, ("pendingRequestsTarget", "five"), ("minReplicas", "-1"), ("prometheusAddress", Credentials));

        Assert.False(harness.Triggers.TryParse("llm", "vllm-so", bad, out _, out var errors));
        await Eventually.HoldsAsync(() => Written(harness, "created") == 1, describe: () => Describe(_api.EventsIn("llm")));
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.False(harness.Triggers.TryParse("llm", "vllm-so", bad, out _, out _));
        await Eventually.HoldsAsync(() => Written(harness, "patched") == 1, describe: () => Describe(_api.EventsIn("llm")));

        var warning = Assert.Single(_api.EventsIn("llm"));
        Assert.Equal(("Warning", "InvalidTriggerMetadata", "Validate"), ((string?)warning["type"], (string?)warning["reason"], (string?)warning["action"]));
        Assert.Equal(("Deployment", "vllm"), ((string?)warning["regarding"]!["kind"], (string?)warning["regarding"]!["name"]));
        Assert.Equal(2, (int?)warning["series"]!["count"]);
        var note = (string?)warning["note"] ?? "";
        Assert.True(errors.Count >= 3, string.Join("; ", errors));
        Assert.All(errors, e => Assert.Contains(e, note, StringComparison.Ordinal));
        Assert.Contains("pendingRequestsTarget", note, StringComparison.Ordinal);
        Assert.Contains("minReplicas", note, StringComparison.Ordinal);
        Assert.Contains("prometheusAddress", note, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", note, StringComparison.Ordinal);

        // Other problems are another event; metadata that parses writes nothing.
        Assert.False(harness.Triggers.TryParse("llm", "vllm-so", DecisionsHarness.Metadata(Query, ("minReplicas", "-1")), out _, out _));
        Assert.True(harness.Triggers.TryParse("llm", "vllm-so", DecisionsHarness.Metadata(Query), out _, out _));
        harness.Writer.Enqueue(Change(1, 2, scaledObject: "sentinel"));
        await Eventually.HoldsAsync(() => _api.EventsIn("llm").Count == 3, describe: () => Describe(_api.EventsIn("llm")));
        Assert.Equal(["InvalidTriggerMetadata", "InvalidTriggerMetadata", "ScaledUp"], _api.EventsIn("llm").Select(e => (string?)e["reason"]));
    }

    [Fact]
    public async Task Enqueue_BeyondTheBurst_DroppedAndCountedUntilATokenComesBack()
    {
        var harness = await StartAsync(o =>
        {
            o.Burst = 2;
            o.RefillInterval = TimeSpan.FromMinutes(5);
        });

        harness.Writer.Enqueue(Change(2, 3));
        harness.Writer.Enqueue(Change(3, 4));
        harness.Writer.Enqueue(Change(4, 5));
        await Eventually.HoldsAsync(() => harness.KedaMetrics.EventsDropped.WithLabels("rate_limited").Value == 1);
        Assert.Equal((2, 2), (_api.EventsIn("llm").Count, Written(harness, "created")));

        _time.Advance(TimeSpan.FromMinutes(5));
        harness.Writer.Enqueue(Change(5, 6));

        await Eventually.HoldsAsync(() => _api.EventsIn("llm").Count == 3);
    }

    [Fact]
    public async Task DecideAsync_EventWritesForbidden_DecisionServedFailureCountedAndLoggedOnce()
    {
        var harness = await StartAsync();
        _api.FailWritesWith = HttpStatusCode.Forbidden;
        harness.Prometheus.Set(Query, 20);

        var decision = await harness.DecideAsync("vllm-so", DecisionsHarness.Metadata(Query));
        harness.Writer.Enqueue(Change(4, 5));

        Assert.Equal(4, decision.Decision.DesiredReplicas);
        await Eventually.HoldsAsync(() => Written(harness, "failed") == 2);
        Assert.False(harness.Writer.ExecuteTask!.IsCompleted);
        var failure = Assert.Single(harness.Logs.Lines(), l => l.Contains("[721]", StringComparison.Ordinal));
        Assert.Contains("HTTP 403", failure, StringComparison.Ordinal);

        // Allowed again: the next event is written and the recovery logged.
        _api.FailWritesWith = null;
        harness.Writer.Enqueue(Change(5, 6));
        await Eventually.HoldsAsync(() => Written(harness, "created") == 1);
        Assert.Contains(harness.Logs.Lines(), l => l.Contains("[722]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Enqueue_ApiServerDown_FailureCountedNextWriteAfterRestartSucceeds()
    {
        var harness = await StartAsync();
        await _api.StopAsync();

        harness.Writer.Enqueue(Change(2, 4));

        await Eventually.HoldsAsync(() => Written(harness, "failed") == 1);
        Assert.False(harness.Writer.ExecuteTask!.IsCompleted);
        await _api.RestartAsync();
        harness.Writer.Enqueue(Change(4, 5));
        await Eventually.HoldsAsync(() => Written(harness, "created") == 1);
    }

    [Fact]
    public async Task Enqueue_ScaleTargetUnknown_EventOnTheScaledObject()
    {
        var harness = await StartAsync();

        harness.Writer.Enqueue(Change(2, 4, scaledObject: "not-in-the-cluster"));

        await Eventually.HoldsAsync(() => _api.EventsIn("llm").Count == 1);
        Assert.Equal(
            new JsonObject { ["apiVersion"] = "keda.sh/v1alpha1", ["kind"] = "ScaledObject", ["name"] = "not-in-the-cluster", ["namespace"] = "llm" }.ToJsonString(),
            ((JsonObject)_api.EventsIn("llm")[0]["regarding"]!).ToJsonString());
    }

    [Fact]
    public async Task Enqueue_FirstEventOfANamespace_WaitsForItsScaledObjectCacheToNameTheTarget()
    {
        // A namespace nobody asked about yet: the event's lookup starts its ScaledObject cache, which lists over
        // the socket while the writer waits (virtual time, advanced between polls) up to TargetWait.
        _api.Apply(Deployment("ml", "llama", new Dictionary<string, string> { ["app"] = "llama" }));
        _api.Apply(ScaledObject("ml", "llama-so", "llama"));
        var harness = await StartAsync(o => o.TargetWait = TimeSpan.FromSeconds(30));

        harness.Writer.Enqueue(new DecisionChange(new TriggerId(new ScaledObjectKey("ml", "llama-so"), KedaEventsTests.Metric), Decided(1), Decided(2)));

        await Eventually.HoldsAsync(() => _api.EventsIn("ml").Count == 1, tick: () => _time.Advance(TimeSpan.FromMilliseconds(50)));
        Assert.Equal(("Deployment", "llama"), ((string?)_api.EventsIn("ml")[0]["regarding"]!["kind"], (string?)_api.EventsIn("ml")[0]["regarding"]!["name"]));
    }

    [Fact]
    public async Task DecideAsync_OutOfACluster_NothingQueuedSaidOnce()
    {
        var harness = await StartAsync(
            cluster: new KubernetesCluster(null, KubernetesCluster.NoClusterReason),
            pods: new StaticWorkloadPods().WithPods(StaticWorkloadPods.Pod("vllm-7d9f-a"), StaticWorkloadPods.Pod("vllm-7d9f-b")));
        harness.Prometheus.Set(Query, 20);

        var decision = await harness.DecideAsync("vllm-so", DecisionsHarness.Metadata(Query));
        harness.Writer.Enqueue(Change(4, 5));

        Assert.Equal(4, decision.Decision.DesiredReplicas);
        Assert.Equal(0, harness.Writer.Queued);
        // The writer has nothing to do: it ends at once, without a fault.
        await harness.Writer.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));
        var said = Assert.Single(harness.Logs.Lines(), l => l.Contains("[720]", StringComparison.Ordinal));
        Assert.Contains(KubernetesCluster.NoClusterReason, said, StringComparison.Ordinal);
        Assert.Equal(0, _api.Count("create", "events"));
    }
}
