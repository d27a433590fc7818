using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Scaler.FrontDoors.MetricsApi;
using Scaler.Testing;
using Scaler.Tests.FrontDoors.Keda;
using Scaler.Tests.FrontDoors.MetricsApi;
using Scaler.Tests.Hosting;
using Xunit;

namespace Scaler.Tests.Leadership;

/// <summary>
/// Two Scaler replicas behind the aggregator give one <c>scaler_desired_replicas</c>: asked of the follower, the
/// leader decides (the follower keeps no workload state of its own); when the leader stops, the other decides and
/// starts conservative (the count in effect held for the workload's down window since it took over). Two real
/// hosts, HTTPS with a client certificate, one in-process Kubernetes API holding the Lease.
/// </summary>
public sealed class MetricsApiTwoReplicaTests : IAsyncLifetime
{
    private MetricsApiCluster _cluster = null!;
    private KedaScalerHost _second = null!;

    public async Task InitializeAsync()
    {
        _cluster = await MetricsApiCluster.StartAsync(ElectedReplicas.Settings("scaler-a"));
        _second = await _cluster.StartReplicaAsync(ElectedReplicas.Settings("scaler-b"));
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task ObjectMetric_AskedOfTheFollower_TheLeaderDecides()
    {
        var (leader, follower) = await LeaderAndFollowerAsync();

        var value = await Eventually.ReturnsAsync(() => ValueAsync(follower, MetricsApiCluster.Deployment), v => v is not null);

        // 60 waiting over the three pods, 5 per replica.
        Assert.Equal("12", value);
        Assert.Equal(0, follower.Services.GetRequiredService<WorkloadDecisions>().Count);
        Assert.Equal(1, leader.Services.GetRequiredService<WorkloadDecisions>().Count);
    }

    [Fact]
    public async Task LeaderStops_TheOtherDecidesConservativelyThenFollowsItsReadings()
    {
        // Three replicas in effect and demand for one, with a down window of 8 s and no rate limit that matters.
        _cluster.Api.Apply(MetricsApiCluster.VllmDeployment("quick", ("scaler.dev/scaleDownStabilization", "8s"), ("scaler.dev/scaleDownLimit", "10/1s")));
        MetricsApiCluster.SetWaiting(_cluster.Metrics, ("vllm-0", 1), ("vllm-1", 1), ("vllm-2", 1));
        var (leader, follower) = await LeaderAndFollowerAsync();
        var settled = await Eventually.ReturnsAsync(() => ValueAsync(follower, "quick"), v => v == "1", TimeSpan.FromSeconds(30));

        await leader.StopAsync();
        var first = await Eventually.ReturnsAsync(() => ValueAsync(follower, "quick"), v => v is not null, TimeSpan.FromSeconds(20));
        var later = await Eventually.ReturnsAsync(() => ValueAsync(follower, "quick"), v => v == "1", TimeSpan.FromSeconds(30));

        Assert.Equal("1", settled);
        Assert.True(follower.Services.GetRequiredService<Scaler.Leadership.Leadership>().IsLeader);
        // The new leader has none of the old one's history: it holds the three in effect.
        Assert.Equal("3", first);
        Assert.Equal("1", later);
    }

    /// <summary>The served value of the workload's decision, or null while there is none (no leader yet, first reads).</summary>
    private async Task<string?> ValueAsync(KedaScalerHost host, string deployment)
    {
        using var http = new HttpClient(TestPki.Handler(_cluster.Pki.ServerCa, MetricsApiCluster.Admin)) { BaseAddress = host.HttpsAddress };
        using var response = await http.GetAsync(new Uri($"/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/deployments.apps/{deployment}/scaler_desired_replicas", UriKind.Relative));
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return null;
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("items")[0].GetProperty("value").GetString();
    }

    private Task<(KedaScalerHost Leader, KedaScalerHost Follower)> LeaderAndFollowerAsync() => ElectedReplicas.LeaderAndFollowerAsync(_cluster.Scaler, _second);
}
