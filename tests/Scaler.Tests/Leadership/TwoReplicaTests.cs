using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Scaler.FrontDoors.Keda;
using Scaler.FrontDoors.Keda.Protocol;
using Scaler.Signals.Kubernetes;
using Scaler.Testing;
using Scaler.Tests.FrontDoors.Keda;
using Scaler.Tests.Signals.Kubernetes;
using Xunit;

namespace Scaler.Tests.Leadership;

/// <summary>
/// Two Scaler replicas behind one Service give one answer: the follower serves the leader's decision (not one of
/// its own from its own readings), push streams on the follower follow the leader, and after the leader goes the
/// other takes over. Two real hosts, real gRPC clients, one in-process Kubernetes API holding the Lease.
/// </summary>
public sealed class TwoReplicaTests : IAsyncLifetime
{
    private FakeKubeApi _api = null!;
    private KedaScalerHost _a = null!;
    private KedaScalerHost _b = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApi.StartAsync();
        _a = await StartAsync("scaler-a");
        _b = await StartAsync("scaler-b");
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _api.DisposeAsync();
    }

    [Fact]
    public async Task GetMetricsAndIsActive_AskedOfTheFollower_AnswerTheLeadersDecision()
    {
        var (leader, follower) = await LeaderAndFollowerAsync();
        var scaledObject = KedaScalerHost.ScaledObject("vllm");

        // Their own readings differ: the follower's would ask for 10 replicas, the leader's for 3.
        leader.Prometheus.Set(12);
        follower.Prometheus.Set(50);
        var fromLeader = await GetMetricsAsync(leader, scaledObject);
        var fromFollower = await GetMetricsAsync(follower, scaledObject);
        var activeFromFollower = await follower.Client.IsActiveAsync(scaledObject);

        Assert.Equal(3, fromLeader);
        Assert.Equal(3, fromFollower);
        Assert.True(activeFromFollower.Result);

        // The follower neither read its own signals nor kept any decision state.
        Assert.Equal(0, follower.Prometheus.Reads);
        Assert.Equal(0, follower.Services.GetRequiredService<KedaDecisions>().Count);
    }

    [Fact]
    public async Task GetMetrics_InvalidMetadataAskedOfTheFollower_InvalidArgumentWithoutAskingTheLeader()
    {
        var (_, follower) = await LeaderAndFollowerAsync();
        var scaledObject = KedaScalerHost.ScaledObject("vllm", new Dictionary<string, string> { ["pendingRequestsTarget"] = "-3" });

        var error = await Assert.ThrowsAsync<RpcException>(() => follower.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = scaledObject }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("pendingRequestsTarget", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StreamIsActive_OpenOnTheFollower_SendsTrueWhenTheLeaderSeesDemand()
    {
        var (leader, follower) = await LeaderAndFollowerAsync();
        leader.Prometheus.Set(0);
        follower.Prometheus.Set(0);
        var scaledObject = KedaScalerHost.ScaledObject("idle", new Dictionary<string, string> { ["minReplicas"] = "0", ["idleReplicas"] = "0" });
        using var stream = follower.Client.StreamIsActive(scaledObject);
        await Eventually.HoldsAsync(() => leader.Services.GetRequiredService<KedaDecisions>().Latest.Any(d => d.Trigger.ScaledObject.Name == "idle" && d.Decision.DesiredReplicas == 0));

        leader.Prometheus.Set(4);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        Assert.True(await stream.ResponseStream.MoveNext(limit.Token));

        Assert.True(stream.ResponseStream.Current.Result);
        Assert.Equal(0, follower.Prometheus.Reads);
    }

    [Fact]
    public async Task LeaderStops_TheOtherTakesOverAndAnswersTheSameForTheSameSignals()
    {
        var (leader, follower) = await LeaderAndFollowerAsync();
        var scaledObject = KedaScalerHost.ScaledObject("vllm");
        leader.Prometheus.Set(12);
        follower.Prometheus.Set(12);
        var before = await GetMetricsAsync(follower, scaledObject);

        await leader.StopAsync();
        var after = await Eventually.ReturnsAsync(() => TryGetMetricsAsync(follower, scaledObject), v => v is not null, TimeSpan.FromSeconds(20));

        Assert.Equal(3, before);
        Assert.Equal(3, after);
        Assert.True(follower.Services.GetRequiredService<Scaler.Leadership.Leadership>().IsLeader);
    }

    private static async Task<int> GetMetricsAsync(KedaScalerHost host, ScaledObjectRef scaledObject) =>
        await Eventually.ReturnsAsync(() => TryGetMetricsAsync(host, scaledObject), v => v is not null) ?? -1;

    /// <summary>The desired count, or null while it cannot be decided (the first read, no leader yet).</summary>
    private static async Task<int?> TryGetMetricsAsync(KedaScalerHost host, ScaledObjectRef scaledObject)
    {
        try
        {
            var response = await host.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = scaledObject });
            return (int)response.MetricValues[0].MetricValue_;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
        {
            return null;
        }
    }

    private Task<(KedaScalerHost Leader, KedaScalerHost Follower)> LeaderAndFollowerAsync() => ElectedReplicas.LeaderAndFollowerAsync(_a, _b);

    private Task<KedaScalerHost> StartAsync(string name) =>
        KedaScalerHost.StartAsync(
            configure: services => services.AddSingleton(new KubernetesCluster(_api.CreateClient(), null)),
            settings: ElectedReplicas.Settings(name));
}
