using System.Net;
using System.Text.Json;
using k8s;
using Xunit;
using static Scaler.Tests.Signals.Kubernetes.FakeKubeObjects;

namespace Scaler.Tests.Signals.Kubernetes;

/// <summary>The fake speaks the API server's JSON: checked raw over HTTP and through KubernetesClient's typed models.</summary>
public sealed class FakeKubeApiTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Vllm = new() { ["app"] = "vllm" };
    private static readonly HttpClient Http = new();
    private FakeKubeApi _api = null!;

    public async Task InitializeAsync() => _api = await FakeKubeApi.StartAsync();

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
    }

    [Fact]
    public async Task List_Pods_PodListWithResourceVersionParsedByTheClient()
    {
        _api.Apply(Pod("llm", "vllm-7d9f-a", Vllm, node: "gpu-node-1", ip: "10.0.1.5"));
        _api.Apply(Pod("llm", "other", new Dictionary<string, string> { ["app"] = "x" }));
        var client = _api.CreateClient();

        var list = await client.CoreV1.ListNamespacedPodAsync("llm", labelSelector: "app=vllm");

        Assert.Equal(_api.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), list.Metadata.ResourceVersion);
        var pod = Assert.Single(list.Items);
        Assert.Equal("gpu-node-1", pod.Spec.NodeName);
        Assert.Equal("10.0.1.5", pod.Status.PodIP);
        Assert.Contains(pod.Status.Conditions, c => c.Type == "Ready" && c.Status == "True");
    }

    [Fact]
    public async Task Get_Missing_404WithStatusBody()
    {
        using var response = await Http.GetAsync(new Uri(_api.Url, "/apis/apps/v1/namespaces/llm/deployments/vllm"));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Status", body.RootElement.GetProperty("kind").GetString());
        Assert.Equal("NotFound", body.RootElement.GetProperty("reason").GetString());
        Assert.Equal(404, body.RootElement.GetProperty("code").GetInt32());
        Assert.Equal("deployments.apps \"vllm\" not found", body.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Get_Deployment_TypedSelectorWithMatchExpressions()
    {
        _api.Apply(Deployment("llm", "vllm", Vllm, ("tier", "In", ["online"])));

        var deployment = await _api.CreateClient().AppsV1.ReadNamespacedDeploymentAsync("vllm", "llm");

        Assert.Equal("vllm", deployment.Spec.Selector.MatchLabels["app"]);
        var expression = Assert.Single(deployment.Spec.Selector.MatchExpressions);
        Assert.Equal(("tier", "In", "online"), (expression.Key, expression.OperatorProperty, expression.Values.Single()));
    }

    [Fact]
    public async Task Watch_FromListVersion_StreamsLaterEventsAsNewlineDelimitedJson()
    {
        _api.Apply(Pod("llm", "vllm-7d9f-a", Vllm));
        var from = _api.ResourceVersion;
        using var response = await Http.GetAsync(new Uri(_api.Url, $"/api/v1/namespaces/llm/pods?watch=1&resourceVersion={from}"), HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        _api.Apply(Pod("llm", "vllm-7d9f-a", Vllm, ready: false));
        _api.Delete("pods", "llm", "vllm-7d9f-a");
        using var first = JsonDocument.Parse((await reader.ReadLineAsync())!);
        using var second = JsonDocument.Parse((await reader.ReadLineAsync())!);

        Assert.Equal("chunked", response.Headers.TransferEncoding.ToString());
        Assert.Equal("MODIFIED", first.RootElement.GetProperty("type").GetString());
        Assert.Equal("Pod", first.RootElement.GetProperty("object").GetProperty("kind").GetString());
        Assert.Equal("DELETED", second.RootElement.GetProperty("type").GetString());
        Assert.Equal((from + 2).ToString(System.Globalization.CultureInfo.InvariantCulture), second.RootElement.GetProperty("object").GetProperty("metadata").GetProperty("resourceVersion").GetString());
    }

    [Fact]
    public async Task Watch_CompactedVersion_ErrorEventWithGoneStatus()
    {
        _api.Apply(Pod("llm", "vllm-7d9f-a", Vllm));
        var stale = _api.ResourceVersion;
        _api.Apply(Pod("llm", "vllm-7d9f-b", Vllm));
        _api.CompactHistory();

        var line = await Http.GetStringAsync(new Uri(_api.Url, $"/api/v1/namespaces/llm/pods?watch=1&resourceVersion={stale}"));
        using var watchEvent = JsonDocument.Parse(line);

        Assert.Equal("ERROR", watchEvent.RootElement.GetProperty("type").GetString());
        var status = watchEvent.RootElement.GetProperty("object");
        Assert.Equal(("Status", 410, "Expired"), (status.GetProperty("kind").GetString(), status.GetProperty("code").GetInt32(), status.GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task Watch_LabelSelector_ObjectLeavingTheSelectionIsDeleted()
    {
        var from = _api.ResourceVersion;
        using var response = await Http.GetAsync(new Uri(_api.Url, $"/api/v1/namespaces/llm/pods?watch=true&labelSelector=app%3Dvllm&resourceVersion={from}"), HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        _api.Apply(Pod("llm", "p", Vllm));
        _api.Apply(Pod("llm", "p", new Dictionary<string, string> { ["app"] = "other" }));

        Assert.Contains("\"type\":\"ADDED\"", await reader.ReadLineAsync(), StringComparison.Ordinal);
        Assert.Contains("\"type\":\"DELETED\"", await reader.ReadLineAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScaledObjects_ListedAsKedaWritesThem()
    {
        _api.Apply(ScaledObject("llm", "vllm-so", "vllm"));

        var list = (JsonElement)await _api.CreateClient().CustomObjects.ListNamespacedCustomObjectAsync("keda.sh", "v1alpha1", "llm", "scaledobjects");

        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal("keda.sh/v1alpha1", item.GetProperty("apiVersion").GetString());
        Assert.Equal("vllm", item.GetProperty("spec").GetProperty("scaleTargetRef").GetProperty("name").GetString());
        Assert.False(item.GetProperty("spec").GetProperty("scaleTargetRef").TryGetProperty("kind", out _));
    }

    [Fact]
    public async Task FailWith_EveryRequestAnswersTheStatus()
    {
        _api.FailWith = HttpStatusCode.InternalServerError;

        using var response = await Http.GetAsync(new Uri(_api.Url, "/api/v1/namespaces/llm/pods"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("\"reason\":\"InternalError\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
