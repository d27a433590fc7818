using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Scaler.Testing;
using Scaler.Tests.Hosting;

namespace Scaler.Tests.FrontDoors.MetricsApi;

/// <summary>The door's answers beyond the happy path: workloads with /scale of any kind, bad input, unknowns, the external group and the ports.</summary>
public sealed class MetricsApiHandlerTests : IAsyncLifetime, IDisposable
{
    private const string Custom = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/";
    private MetricsApiCluster _cluster = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _cluster = await MetricsApiCluster.StartAsync(new Dictionary<string, string?> { ["Scaler:MetricsApi:ExternalMetrics"] = "true" });
        _admin = new HttpClient(TestPki.Handler(_cluster.Pki.ServerCa, MetricsApiCluster.Admin)) { BaseAddress = _cluster.HttpsAddress };
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    public void Dispose() => _admin.Dispose();

    [Fact]
    public async Task Object_LeaderWorkerSet_ReadThroughItsScaleAndDiscoveredVersion()
    {
        // A custom resource: its version from discovery, its pods from the /scale selector (LWS publishes the leaders').
        _cluster.Api.Apply(new JsonObject
        {
            ["apiVersion"] = "leaderworkerset.x-k8s.io/v1",
            ["kind"] = "LeaderWorkerSet",
            ["metadata"] = new JsonObject
            {
                ["name"] = "llama-405b",
                ["namespace"] = "llm",
                ["annotations"] = new JsonObject { ["scaler.dev/server"] = "vllm", ["scaler.dev/sizing"] = "pending", ["scaler.dev/pendingRequestsTarget"] = "4", ["scaler.dev/minReplicas"] = "1", ["scaler.dev/maxReplicas"] = "32", ["scaler.dev/scaleUpLimit"] = "20/15s" },
            },
            ["spec"] = new JsonObject { ["replicas"] = 2, ["leaderWorkerTemplate"] = new JsonObject { ["size"] = 2 } },
            ["status"] = new JsonObject { ["replicas"] = 2, ["hpaPodSelector"] = "app=vllm,pod-template-hash=7d9f8b6c5" },
        });

        var (status, body) = await Eventually.ReturnsAsync(() => GetAsync(Custom + "leaderworkersets.leaderworkerset.x-k8s.io/llama-405b/scaler_desired_replicas"), r => r.Status == HttpStatusCode.OK);

        var item = body.RootElement.GetProperty("items")[0];
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("LeaderWorkerSet", "leaderworkerset.x-k8s.io/v1"), (item.GetProperty("describedObject").GetProperty("kind").GetString(), item.GetProperty("describedObject").GetProperty("apiVersion").GetString()));
        // 60 waiting over the selected pods, 4 per replica: 15.
        Assert.Equal("15", item.GetProperty("value").GetString());
        Assert.True(_cluster.Api.Count("get", "leaderworkersets/scale") > 0);
    }

    [Theory]
    // A policy the parser refuses names the annotation's key (422, never a guess).
    [InlineData("broken", "scaler.dev/maxReplicas", "many", HttpStatusCode.UnprocessableEntity, "maxReplicas")]
    // No scaler.dev/ annotation: the Scaler has no policy for it.
    [InlineData("plain", "deployment.kubernetes.io/revision", "1", HttpStatusCode.NotFound, "has no scaler.dev/ annotations")]
    public async Task Object_AnnotationsNotAPolicy_StatusNamingWhy(string name, string key, string value, HttpStatusCode expected, string why)
    {
        var deployment = Signals.Kubernetes.FakeKubeObjects.Deployment("llm", name, new Dictionary<string, string> { ["app"] = "vllm" });
        deployment["metadata"]!["annotations"] = new JsonObject { ["scaler.dev/server"] = "vllm", [key] = value };
        if (expected == HttpStatusCode.NotFound)
        {
            deployment["metadata"]!["annotations"] = new JsonObject { [key] = value };
        }

        _cluster.Api.Apply(deployment);

        var (status, body) = await Eventually.ReturnsAsync(() => GetAsync(Custom + $"deployments.apps/{name}/scaler_desired_replicas"), r => r.Status != HttpStatusCode.ServiceUnavailable);

        Assert.Equal(expected, status);
        Assert.Equal("Status", body.RootElement.GetProperty("kind").GetString());
        Assert.Equal((int)expected, body.RootElement.GetProperty("code").GetInt32());
        Assert.Contains(why, body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Object_DecisionCannotBeMade_ServiceUnavailableNeverZero()
    {
        // Demand from Prometheus, which has no answer: the engine cannot decide.
        var deployment = Signals.Kubernetes.FakeKubeObjects.Deployment("llm", "blind", new Dictionary<string, string> { ["app"] = "vllm" });
        deployment["metadata"]!["annotations"] = new JsonObject
        {
            ["scaler.dev/prometheusAddress"] = "http://prometheus.monitoring:9090",
            ["scaler.dev/pendingRequestsQuery"] = "sum(vllm:num_requests_waiting)",
        };
        _cluster.Api.Apply(deployment);
        _cluster.Scaler.Prometheus.SetUnavailable("query returned no series");

        var (status, body) = await Eventually.ReturnsAsync(() => GetAsync(Custom + "deployments.apps/blind/scaler_desired_replicas"), r => r.Body.RootElement.GetProperty("message").GetString()!.Contains("cannot decide", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("cannot decide for deployments.apps llm/blind", body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    // No such Deployment.
    [InlineData("deployments.apps/ghost/scaler_desired_replicas", HttpStatusCode.NotFound, "not found")]
    // Another metric on a workload.
    [InlineData("deployments.apps/llama-vllm/cpu", HttpStatusCode.NotFound, "the metric served per workload is scaler_desired_replicas")]
    // A model server the pods do not run: their gauge is missing, so no pod has a value.
    [InlineData("pods/%2A/inference_queue_size?labelSelector=app%3Dvllm&metricLabelSelector=server%3Dtriton", HttpStatusCode.NotFound, "not exposed")]
    // A server name the metric does not know.
    [InlineData("pods/%2A/inference_queue_size?labelSelector=app%3Dvllm&metricLabelSelector=server%3Dollama", HttpStatusCode.BadRequest, "metric label server: expected vllm or triton or tgi, got 'ollama'")]
    // A metric label the metric does not read.
    [InlineData("pods/%2A/DCGM_FI_DEV_GPU_UTIL?labelSelector=app%3Dvllm&metricLabelSelector=gpu%3D0", HttpStatusCode.BadRequest, "metric label gpu is not read by DCGM_FI_DEV_GPU_UTIL")]
    // A selector that is not one.
    [InlineData("pods/%2A/inference_queue_size?labelSelector=app%3D%3D%3D", HttpStatusCode.BadRequest, "labelSelector 'app===' is not a valid label selector")]
    public async Task Get_BadOrUnknown_StatusWithCodeAndReason(string path, HttpStatusCode expected, string why)
    {
        // The first read of a new key may still be in progress: wait for its answer.
        var (status, body) = await Eventually.ReturnsAsync(() => GetAsync(Custom + path), r => r.Body.RootElement.GetProperty("message").GetString()!.Contains(why, StringComparison.Ordinal));

        Assert.Equal("Failure", body.RootElement.GetProperty("status").GetString());
        Assert.Contains(why, body.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(expected, status);
    }

    [Fact]
    public async Task External_SwitchedOn_TheDecisionAsOneSeries()
    {
        var (groupsStatus, groups) = await GetAsync("/apis");
        var (status, body) = await Eventually.ReturnsAsync(
            () => GetAsync("/apis/external.metrics.k8s.io/v1beta1/namespaces/llm/scaler_desired_replicas?labelSelector=resource%3Ddeployments.apps%2Cname%3Dllama-vllm"),
            r => r.Status == HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.OK, groupsStatus);
        Assert.Equal(["custom.metrics.k8s.io", "external.metrics.k8s.io"], groups.RootElement.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("name").GetString()));
        var item = Assert.Single(body.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal("ExternalMetricValueList", body.RootElement.GetProperty("kind").GetString());
        Assert.Equal("scaler_desired_replicas", item.GetProperty("metricName").GetString());
        Assert.Equal("llama-vllm", item.GetProperty("metricLabels").GetProperty("name").GetString());
        Assert.Equal("12", item.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Api_OnThePlainHttpPort_NotServed()
    {
        using var plain = new HttpClient { BaseAddress = _cluster.Scaler.HttpAddress };

        using var response = await plain.GetAsync(new Uri("/apis/custom.metrics.k8s.io/v1beta2", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task FrontProxyCaRotated_TheNewCaTrustedWithinARefreshTheOldRefused()
    {
        var rotated = TestPki.CreateCa("front-proxy-ca");
        var proxy = TestPki.Issue(rotated, "front-proxy-client", MetricsApiCluster.ClientAuth);
        using var renewed = AggregatorClient(proxy);
        using var retired = AggregatorClient(MetricsApiCluster.FrontProxyClient);
        var before = await StatusAsync(renewed);

        // kube-apiserver publishes its new front-proxy CA in the ConfigMap (the Scaler reads it every second here).
        _cluster.Api.Apply(MetricsApiCluster.AuthenticationConfigMap(rotated, MetricsApiCluster.ClusterCa));
        var after = await Eventually.ReturnsAsync(() => StatusAsync(renewed), s => s == HttpStatusCode.OK);

        Assert.Equal(HttpStatusCode.Unauthorized, before);
        Assert.Equal(HttpStatusCode.OK, after);
        // The same connection's certificate is checked again against the new settings: the old CA no longer counts.
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(retired));
    }

    /// <summary>The aggregator's side: its client certificate and the user in X-Remote-* headers (a master: no review).</summary>
    private HttpClient AggregatorClient(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        var client = new HttpClient(TestPki.Handler(_cluster.Pki.ServerCa, certificate)) { BaseAddress = _cluster.HttpsAddress };
        client.DefaultRequestHeaders.Add("X-Remote-User", "system:kube-aggregator");
        client.DefaultRequestHeaders.Add("X-Remote-Group", "system:masters");
        return client;
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/apis/custom.metrics.k8s.io/v1beta2", UriKind.Relative));
        return response.StatusCode;
    }

    private async Task<(HttpStatusCode Status, JsonDocument Body)> GetAsync(string path)
    {
        using var response = await _admin.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
    }
}

/// <summary>The external group stays off by default: KEDA owns it where it runs.</summary>
public sealed class MetricsApiExternalOffTests
{
    [Fact]
    public async Task External_Default_NotListedNotServed()
    {
        await using var cluster = await MetricsApiCluster.StartAsync();
        using var admin = new HttpClient(TestPki.Handler(cluster.Pki.ServerCa, MetricsApiCluster.Admin)) { BaseAddress = cluster.HttpsAddress };

        var groups = await admin.GetStringAsync(new Uri("/apis", UriKind.Relative));
        using var external = await admin.GetAsync(new Uri("/apis/external.metrics.k8s.io/v1beta1/namespaces/llm/scaler_desired_replicas?labelSelector=name%3Dllama-vllm", UriKind.Relative));

        Assert.DoesNotContain("external.metrics.k8s.io", groups, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, external.StatusCode);
    }
}
