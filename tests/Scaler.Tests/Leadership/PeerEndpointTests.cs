using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Scaler.Signals.Kubernetes;
using Scaler.Tests.FrontDoors.Keda;
using Scaler.Tests.Signals.Kubernetes;
using Xunit;

namespace Scaler.Tests.Leadership;

/// <summary>
/// The peer port refuses what is not a peer's request before deciding anything: a body too large or without a
/// length (413), one that is not JSON of its kind or lacks the workload (400), and any request to a replica
/// that does not lead (409, naming the leader).
/// </summary>
public sealed class PeerEndpointTests : IAsyncLifetime, IDisposable
{
    private readonly Dictionary<string, string?> _aSettings = ElectedReplicas.Settings("scaler-a");
    private readonly Dictionary<string, string?> _bSettings = ElectedReplicas.Settings("scaler-b");
    private readonly HttpClient _http = new();
    private FakeKubeApi _api = null!;
    private KedaScalerHost _a = null!;
    private KedaScalerHost _b = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApi.StartAsync();
        _a = await StartAsync(_aSettings);
        _b = await StartAsync(_bSettings);
    }

    public void Dispose() => _http.Dispose();

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _api.DisposeAsync();
    }

    [Theory]
    [InlineData("/peer/v1/decide", "{", 400, "not a decide request")]
    [InlineData("/peer/v1/decide-scale-target", "[1,2]", 400, "not a decide-scale-target request")]
    [InlineData("/peer/v1/decide-scale-target", "{\"namespace\":\"llm\",\"resource\":\"deployments.apps\"}", 400, "namespace, resource and name are required")]
    [InlineData("/peer/v1/decide", "too-large", 413, "a body of at most 262144 bytes")]
    public async Task Leader_NotAPeersRequest_RefusedNamingWhy(string path, string body, int status, string why)
    {
        var (leader, _) = await ElectedReplicas.LeaderAndFollowerAsync(_a, _b);
        var content = body == "too-large" ? new string(' ', 300 * 1024) : body;

        var (code, answer) = await PostAsync(leader, path, content);

        Assert.Equal(status, code);
        Assert.Contains(why, answer, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/peer/v1/decide", "{\"namespace\":\"llm\",\"name\":\"vllm\",\"metadata\":{},\"ignoredKeys\":[]}")]
    [InlineData("/peer/v1/decide-scale-target", "{\"namespace\":\"llm\",\"resource\":\"deployments.apps\",\"name\":\"vllm\"}")]
    public async Task Follower_AnyRequest_ConflictNamingTheLeader(string path, string body)
    {
        var (leader, follower) = await ElectedReplicas.LeaderAndFollowerAsync(_a, _b);
        var leaderName = leader.Services.GetRequiredService<Scaler.Leadership.Leadership>().Self!.Name;

        var (code, answer) = await PostAsync(follower, path, body);

        Assert.Equal(409, code);
        Assert.Contains("this replica does not lead", answer, StringComparison.Ordinal);
        Assert.Contains(leaderName, answer, StringComparison.Ordinal);
    }

    private async Task<(int Status, string Body)> PostAsync(KedaScalerHost host, string path, string body)
    {
        var port = (ReferenceEquals(host, _a) ? _aSettings : _bSettings)["Scaler:Host:PeerPort"];
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(new Uri($"http://127.0.0.1:{port}{path}"), content);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private Task<KedaScalerHost> StartAsync(Dictionary<string, string?> settings) =>
        KedaScalerHost.StartAsync(
            configure: services => services.AddSingleton(new KubernetesCluster(_api.CreateClient(), null)),
            settings: settings);
}
