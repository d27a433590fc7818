using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;
using Scaler.Testing;
using Scaler.Tests.Hosting;

namespace Scaler.Tests.FrontDoors.MetricsApi;

/// <summary>
/// The HPA's replica calculation (<see cref="HpaReplicaCalculator"/>, from the reference) fed by what the custom
/// metrics API answers for the HPAs of deploy/examples/hpa-custom-metrics, as the controller asks: the Pods
/// metrics with the Deployment's selector, the Object metric on the Deployment.
/// </summary>
public sealed class HpaReplicaCalculationTests : IAsyncLifetime, IDisposable
{
    private const int Current = 3;
    private static readonly string[] Ready = ["vllm-0", "vllm-1", "vllm-2"];
    private MetricsApiCluster _cluster = null!;
    private HttpClient _controller = null!;

    public async Task InitializeAsync()
    {
        _cluster = await MetricsApiCluster.StartAsync();
        // The controller-manager reaches the API through the aggregator; a master's certificate stands in for it here.
        _controller = new HttpClient(TestPki.Handler(_cluster.Pki.ServerCa, MetricsApiCluster.Admin)) { BaseAddress = _cluster.HttpsAddress };
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    public void Dispose() => _controller.Dispose();

    [Fact]
    public async Task DesignsHpa_QueueTwiceItsTargetGpuWithinTolerance_SixReplicas()
    {
        var hpa = Example("hpa.yaml");

        var proposals = new List<int>();
        foreach (var metric in hpa.Spec.Metrics)
        {
            var values = await PodsMetricAsync(metric.Pods.Metric.Name, expectedPods: 3);
            proposals.Add(HpaReplicaCalculator.PodsAverageValue(values, Ready, HpaReplicaCalculator.Milli(metric.Pods.Target.AverageValue.ToString()), Current));
        }

        // GPU: (80 + 60 + 60) / 3 = 66.666 against 70, within 10 %: keep 3. Queue: 20 against 10: ceil(2 x 3) = 6.
        Assert.Equal([3, 6], proposals);
        // No behaviour: at most max(2 x 3, 4) per sync, within maxReplicas 8.
        Assert.Equal(6, HpaReplicaCalculator.Normalize(hpa, Current, proposals.Max()));
    }

    [Fact]
    public async Task DesignsHpa_APodWithoutAValue_LeftOutSoTheHpaDoesNotScaleDownOnIt()
    {
        var hpa = Example("hpa.yaml");
        var queue = hpa.Spec.Metrics.Single(m => m.Pods.Metric.Name == "inference_queue_size");
        MetricsApiCluster.SetWaiting(_cluster.Metrics, ("vllm-0", 2), ("vllm-1", 3));
        _cluster.Metrics.Status("/pods/vllm-2", 500);

        var values = await PodsMetricAsync("inference_queue_size", expectedPods: 2, accept: v => v.GetValueOrDefault("vllm-0") == 2000);
        var proposal = HpaReplicaCalculator.PodsAverageValue(values, Ready, HpaReplicaCalculator.Milli(queue.Pods.Target.AverageValue.ToString()), Current);
        var ifReportedAsZero = HpaReplicaCalculator.PodsAverageValue(new Dictionary<string, long>(values) { ["vllm-2"] = 0 }, Ready, 10_000, Current);

        // vllm-2's server fails: it is absent, not 0. Scaling down, the HPA assumes it at the target:
        // (2 + 3 + 10) / 3 = 5 against 10, ceil(0.5 x 3) = 2. Had it been 0, (2 + 3 + 0) / 3 gives 1.
        Assert.False(values.ContainsKey("vllm-2"));
        Assert.Equal(2, proposal);
        Assert.Equal(1, ifReportedAsZero);
    }

    [Fact]
    public async Task CompositeHpa_ObjectMetricAverageValueOne_FollowsTheEngineInOneStep()
    {
        var hpa = Example("hpa-composite.yaml");
        var metric = hpa.Spec.Metrics.Single();
        var path = $"/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/deployments.apps/{metric.ObjectProperty.DescribedObject.Name}/{metric.ObjectProperty.Metric.Name}";

        var list = await Eventually.ReturnsAsync(() => GetAsync(path), d => d is not null);
        var value = HpaReplicaCalculator.Milli(list!.RootElement.GetProperty("items")[0].GetProperty("value").GetString()!);
        var proposal = HpaReplicaCalculator.ObjectAverageValue(value, HpaReplicaCalculator.Milli(metric.ObjectProperty.Target.AverageValue.ToString()), Current);

        // 60 waiting, 5 per replica (the Deployment's scaler.dev/ annotations): the engine wants 12, the HPA proposes
        // ceil(12 / 1) and its behaviour (16 pods per 15 s, no stabilization) lets it through in one sync.
        Assert.Equal(12_000, value);
        Assert.Equal(12, proposal);
        Assert.Equal(12, HpaReplicaCalculator.Normalize(hpa, Current, proposal));
    }

    private static V2HorizontalPodAutoscaler Example(string file)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Scaler.sln")))
        {
            directory = directory.Parent;
        }

        var path = Path.Combine(directory!.FullName, "deploy", "examples", "hpa-custom-metrics", file);
        return KubernetesYaml.Deserialize<V2HorizontalPodAutoscaler>(File.ReadAllText(path));
    }

    /// <summary>A Pods metric as the HPA asks it: every pod of the scale target's selector.</summary>
    private async Task<Dictionary<string, long>> PodsMetricAsync(string metric, int expectedPods, Func<Dictionary<string, long>, bool>? accept = null)
    {
        var path = $"/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/pods/%2A/{metric}?labelSelector=app%3Dvllm";
        return await Eventually.ReturnsAsync(
            async () =>
            {
                using var list = await GetAsync(path);
                return list is null ? [] : list.RootElement.GetProperty("items").EnumerateArray().ToDictionary(
                    i => i.GetProperty("describedObject").GetProperty("name").GetString()!,
                    i => HpaReplicaCalculator.Milli(i.GetProperty("value").GetString()!));
            },
            v => v.Count == expectedPods && (accept?.Invoke(v) ?? true));
    }

    private async Task<JsonDocument?> GetAsync(string path)
    {
        using var response = await _controller.GetAsync(new Uri(path, UriKind.Relative));
        return response.StatusCode == HttpStatusCode.OK ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()) : null;
    }
}
