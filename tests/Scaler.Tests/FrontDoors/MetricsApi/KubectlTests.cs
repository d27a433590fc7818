using System.Text.Json;
using Scaler.Testing;

namespace Scaler.Tests.FrontDoors.MetricsApi;

/// <summary>
/// kubectl as a real client of the custom metrics API, through a front proxy that does what kube-apiserver's
/// aggregator does (its client certificate and <c>X-Remote-*</c> headers), and directly with a bearer token
/// (TokenReview) or a user's client certificate; authorization by SubjectAccessReview on the fake API server.
/// </summary>
public sealed class KubectlTests : IAsyncLifetime
{
    private const string Pods = "/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/pods/%2A/";
    private MetricsApiCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await MetricsApiCluster.StartAsync();
        // The HPA's service account may read custom metrics (the built-in controller role); nobody else.
        _cluster.Api.AccessReviews = spec => (string?)spec["user"] == "system:serviceaccount:kube-system:horizontal-pod-autoscaler";
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task GetRaw_ThroughTheAggregator_DiscoveryListsEveryMetricTheScalerServes()
    {
        await using var proxy = await _cluster.AggregatorAsync(MetricsApiCluster.FrontProxyClient);
        var kubectl = Kubectl.For(_cluster.Pki, "discovery", proxy.Url);

        var (code, output, error) = await kubectl.GetRawAsync("/apis/custom.metrics.k8s.io/v1beta2");
        var (groupCode, groupOutput, _) = await kubectl.GetRawAsync("/apis/custom.metrics.k8s.io");

        Assert.True(code == 0, error);
        using var list = JsonDocument.Parse(output);
        Assert.Equal("APIResourceList", list.RootElement.GetProperty("kind").GetString());
        Assert.Equal("v1", list.RootElement.GetProperty("apiVersion").GetString());
        Assert.Equal("custom.metrics.k8s.io/v1beta2", list.RootElement.GetProperty("groupVersion").GetString());
        var names = list.RootElement.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("name").GetString()).ToList();
        Assert.Equal(
            ["pods/inference_queue_size", "pods/inference_requests_running", "pods/inference_kv_cache_usage", "pods/DCGM_FI_DEV_GPU_UTIL", "pods/gpu_utilization_percent", "pods/DCGM_FI_DEV_FB_USED", "pods/gpu_memory_used_bytes",
             "deployments.apps/scaler_desired_replicas", "statefulsets.apps/scaler_desired_replicas", "leaderworkersets.leaderworkerset.x-k8s.io/scaler_desired_replicas"],
            names);
        Assert.All(list.RootElement.GetProperty("resources").EnumerateArray(), r =>
        {
            Assert.True(r.GetProperty("namespaced").GetBoolean());
            Assert.Equal("MetricValueList", r.GetProperty("kind").GetString());
            Assert.Equal("", r.GetProperty("singularName").GetString());
            Assert.Equal(["get"], r.GetProperty("verbs").EnumerateArray().Select(v => v.GetString()));
        });
        Assert.Equal(0, groupCode);
        using var group = JsonDocument.Parse(groupOutput);
        Assert.Equal("v1beta2", group.RootElement.GetProperty("preferredVersion").GetProperty("version").GetString());
        Assert.Equal(["custom.metrics.k8s.io/v1beta2", "custom.metrics.k8s.io/v1beta1"], group.RootElement.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("groupVersion").GetString()));
    }

    [Fact]
    public async Task GetRaw_PodsMetricWithLabelSelector_OneItemPerSelectedPodWithItsOwnValue()
    {
        await using var proxy = await _cluster.AggregatorAsync(MetricsApiCluster.FrontProxyClient);
        var kubectl = Kubectl.For(_cluster.Pki, "pods", proxy.Url);

        var queue = await OkAsync(kubectl, Pods + "inference_queue_size?labelSelector=app%3Dvllm");
        var gpu = await OkAsync(kubectl, Pods + "DCGM_FI_DEV_GPU_UTIL?labelSelector=app%3Dvllm");
        var memory = await OkAsync(kubectl, Pods + "DCGM_FI_DEV_FB_USED?labelSelector=app%3Dvllm");

        // The pod of another app (99 waiting) is not selected; each pod's own value, as a quantity.
        Assert.Equal([("vllm-0", "30"), ("vllm-1", "20"), ("vllm-2", "10")], Items(queue));
        // vllm-2 holds two GPUs (50 % and 70 %): its mean; the time-sliced GPU it shares with other-0 counts whole.
        Assert.Equal([("vllm-0", "80"), ("vllm-1", "60"), ("vllm-2", "60")], Items(gpu));
        // MiB, as dcgm-exporter reports framebuffer: 40 GiB, 20 GiB, and 10 + 30 GiB summed over vllm-2's GPUs.
        Assert.Equal([("vllm-0", "40960"), ("vllm-1", "20480"), ("vllm-2", "40960")], Items(memory));
        var item = queue.RootElement.GetProperty("items")[0];
        Assert.Equal("MetricValueList", queue.RootElement.GetProperty("kind").GetString());
        Assert.Equal("custom.metrics.k8s.io/v1beta2", queue.RootElement.GetProperty("apiVersion").GetString());
        Assert.Equal("Pod", item.GetProperty("describedObject").GetProperty("kind").GetString());
        Assert.Equal("v1", item.GetProperty("describedObject").GetProperty("apiVersion").GetString());
        Assert.Equal("llm", item.GetProperty("describedObject").GetProperty("namespace").GetString());
        Assert.Equal("inference_queue_size", item.GetProperty("metric").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, item.GetProperty("metric").GetProperty("selector").ValueKind);
        // Fresh within the pod-scrape refresh (2 s), stamped with when it was read.
        var age = DateTimeOffset.UtcNow - item.GetProperty("timestamp").GetDateTimeOffset();
        Assert.InRange(age, TimeSpan.FromSeconds(-1), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task GetRaw_OnePodAndAnObjectMetric_TheirValues()
    {
        await using var proxy = await _cluster.AggregatorAsync(MetricsApiCluster.FrontProxyClient);
        var kubectl = Kubectl.For(_cluster.Pki, "one", proxy.Url);

        var pod = await OkAsync(kubectl, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/pods/vllm-1/inference_queue_size");
        var v1 = await OkAsync(kubectl, "/apis/custom.metrics.k8s.io/v1beta1/namespaces/llm/pods/vllm-1/gpu_utilization_percent");
        var desired = await OkAsync(kubectl, "/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/deployments.apps/llama-vllm/scaler_desired_replicas");

        Assert.Equal([("vllm-1", "20")], Items(pod));
        // v1beta1: metricName at item level, the selector beside it.
        var item = Assert.Single(v1.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal("custom.metrics.k8s.io/v1beta1", v1.RootElement.GetProperty("apiVersion").GetString());
        Assert.Equal("gpu_utilization_percent", item.GetProperty("metricName").GetString());
        Assert.False(item.TryGetProperty("metric", out _));
        Assert.Equal("60", item.GetProperty("value").GetString());
        // 60 requests waiting over the three pods, 5 per replica: 12 (within maxReplicas 16 and 10 per 15 s).
        var described = Assert.Single(desired.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal("Deployment", described.GetProperty("describedObject").GetProperty("kind").GetString());
        Assert.Equal("apps/v1", described.GetProperty("describedObject").GetProperty("apiVersion").GetString());
        Assert.Equal("llama-vllm", described.GetProperty("describedObject").GetProperty("name").GetString());
        Assert.Equal("scaler_desired_replicas", described.GetProperty("metric").GetProperty("name").GetString());
        Assert.Equal("12", described.GetProperty("value").GetString());
    }

    [Fact]
    public async Task GetRaw_UnknownMetricOrNoData_NotFoundStatusNamingIt()
    {
        await using var proxy = await _cluster.AggregatorAsync(MetricsApiCluster.FrontProxyClient);
        var kubectl = Kubectl.For(_cluster.Pki, "unknown", proxy.Url);
        await OkAsync(kubectl, Pods + "inference_queue_size?labelSelector=app%3Dvllm");

        var unknown = await kubectl.GetRawAsync(Pods + "no_such_metric?labelSelector=app%3Dvllm");
        // No pod matches: no data at all, never an empty list or a 0.
        var none = await kubectl.GetRawAsync(Pods + "inference_queue_size?labelSelector=app%3Dnobody");

        Assert.NotEqual(0, unknown.ExitCode);
        Says(unknown.Error, "Error from server (NotFound)");
        Says(unknown.Error, "the server could not find the metric no_such_metric for pods with selector app=vllm");
        Assert.NotEqual(0, none.ExitCode);
        Says(none.Error, "Error from server (NotFound)");
        Says(none.Error, "inference_queue_size");
        Says(none.Error, "no ready pods");
    }

    [Theory]
    // A front-proxy certificate from a CA the cluster does not publish: the headers it brings are not believed.
    [InlineData("other-ca", "signed by neither the front proxy's CA nor the cluster's client CA")]
    // Signed by the right CA, but not one of requestheader-allowed-names.
    [InlineData("disallowed-name", "CN=someone-else is signed by the front proxy's CA but is not an allowed name")]
    // No certificate at all: X-Remote-User alone means nothing.
    [InlineData("none", "no credentials")]
    public async Task GetRaw_ProxyWithoutTheTrustedCertificate_Unauthorized(string certificate, string why)
    {
        var presented = certificate switch
        {
            "other-ca" => MetricsApiCluster.ProxyClientOfOtherCa,
            "disallowed-name" => MetricsApiCluster.DisallowedProxyClient,
            _ => null,
        };
        await using var proxy = await _cluster.AggregatorAsync(presented);
        var kubectl = Kubectl.For(_cluster.Pki, certificate, proxy.Url);

        var (code, output, error) = await kubectl.GetRawAsync(Pods + "inference_queue_size?labelSelector=app%3Dvllm");

        Assert.NotEqual(0, code);
        Assert.Equal("", output);
        Says(error, "error: You must be logged in to the server (Unauthorized: ");
        Says(error, why);
        Assert.Empty(_cluster.Api.ReviewedAccess);
    }

    [Fact]
    public async Task GetRaw_BearerTokens_TokenReviewThenSubjectAccessReview()
    {
        _cluster.Api.TokenReviews = token => token switch
        {
            "hpa-token" => ("system:serviceaccount:kube-system:horizontal-pod-autoscaler", ["system:serviceaccounts", "system:authenticated"]),
            "intern-token" => ("intern", ["system:authenticated"]),
            _ => null,
        };
        var hpa = Kubectl.For(_cluster.Pki, "hpa", _cluster.HttpsAddress, ca: _cluster.Pki.ServerCa, token: "hpa-token");
        var intern = Kubectl.For(_cluster.Pki, "intern", _cluster.HttpsAddress, ca: _cluster.Pki.ServerCa, token: "intern-token");
        var stranger = Kubectl.For(_cluster.Pki, "stranger", _cluster.HttpsAddress, ca: _cluster.Pki.ServerCa, token: "forged-token");

        var allowed = await OkAsync(hpa, Pods + "inference_queue_size?labelSelector=app%3Dvllm");
        var denied = await intern.GetRawAsync(Pods + "inference_queue_size?labelSelector=app%3Dvllm");
        var refused = await stranger.GetRawAsync(Pods + "inference_queue_size?labelSelector=app%3Dvllm");

        Assert.Equal(3, allowed.RootElement.GetProperty("items").GetArrayLength());
        Says(denied.Error, "Error from server (Forbidden)");
        Says(denied.Error, "intern may not get pods/inference_queue_size * in namespace llm");
        Says(refused.Error, "error: You must be logged in to the server (Unauthorized: ");
        Assert.DoesNotContain("forged-token", refused.Error, StringComparison.Ordinal);
        // The review asked what kube-apiserver would: get on pods, name *, subresource the metric, in the group.
        var review = _cluster.Api.ReviewedAccess.First(r => (string?)r["user"] == "intern")["resourceAttributes"]!;
        Assert.Equal("get", (string?)review["verb"]);
        Assert.Equal("custom.metrics.k8s.io", (string?)review["group"]);
        Assert.Equal("pods", (string?)review["resource"]);
        Assert.Equal("*", (string?)review["name"]);
        Assert.Equal("inference_queue_size", (string?)review["subresource"]);
        Assert.Equal("llm", (string?)review["namespace"]);
    }

    [Fact]
    public async Task GetRaw_ClientCertificateUsers_MastersWithoutReviewOthersByReview()
    {
        var admin = Kubectl.For(_cluster.Pki, "admin", _cluster.HttpsAddress, ca: _cluster.Pki.ServerCa, client: MetricsApiCluster.Admin);
        var alice = Kubectl.For(_cluster.Pki, "alice", _cluster.HttpsAddress, ca: _cluster.Pki.ServerCa, client: MetricsApiCluster.Alice);

        var (adminCode, _, adminError) = await admin.GetRawAsync("/apis/custom.metrics.k8s.io/v1beta2");
        var (aliceCode, _, aliceError) = await alice.GetRawAsync("/apis/custom.metrics.k8s.io/v1beta2");

        Assert.True(adminCode == 0, adminError);
        Assert.DoesNotContain(_cluster.Api.ReviewedAccess, r => (string?)r["user"] == "admin");
        Assert.NotEqual(0, aliceCode);
        Says(aliceError, "Error from server (Forbidden)");
        var review = Assert.Single(_cluster.Api.ReviewedAccess, r => (string?)r["user"] == "alice");
        Assert.Equal("/apis/custom.metrics.k8s.io/v1beta2", (string?)review["nonResourceAttributes"]!["path"]);
        Assert.Equal(["ml-team", "system:authenticated"], review["groups"]!.AsArray().Select(g => (string?)g));
    }

    [Fact]
    public async Task GetRaw_ApiServerDown_TokensUnauthorizedReviewsInternalErrorHealthStillOk()
    {
        var hpa = Kubectl.For(_cluster.Pki, "hpa-down", _cluster.HttpsAddress, ca: _cluster.Pki.ServerCa, token: "hpa-token");
        var alice = Kubectl.For(_cluster.Pki, "alice-down", _cluster.HttpsAddress, ca: _cluster.Pki.ServerCa, client: MetricsApiCluster.Alice);
        await _cluster.Api.StopAsync();

        var token = await hpa.GetRawAsync("/apis/custom.metrics.k8s.io/v1beta2");
        var review = await alice.GetRawAsync("/apis/custom.metrics.k8s.io/v1beta2");
        var health = await alice.GetRawAsync("/healthz");

        Says(token.Error, "error: You must be logged in to the server (Unauthorized: ");
        Says(token.Error, "the bearer token could not be reviewed");
        Says(review.Error, "Error from server (InternalError)");
        Says(review.Error, "could not ask whether alice may get /apis/custom.metrics.k8s.io/v1beta2");
        Assert.Equal((0, "ok"), (health.ExitCode, health.Output));
    }

    private static void Says(string text, string expected) => Assert.True(text.Contains(expected, StringComparison.Ordinal), $"expected '{expected}' in: {text}");

    /// <summary>The answer once kubectl gets one without error (the first reads of a key wait for their scrape).</summary>
    private static async Task<JsonDocument> OkAsync(Kubectl kubectl, string path) =>
        (await Eventually.ReturnsAsync(() => GetOkAsync(kubectl, path), d => d is not null))!;

    private static async Task<JsonDocument?> GetOkAsync(Kubectl kubectl, string path)
    {
        var (code, output, _) = await kubectl.GetRawAsync(path);
        return code == 0 ? JsonDocument.Parse(output) : null;
    }

    private static List<(string Pod, string Value)> Items(JsonDocument list) =>
        [.. list.RootElement.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("describedObject").GetProperty("name").GetString()!, i.GetProperty("value").GetString()!))];
}
