using Microsoft.Extensions.DependencyInjection;
using Scaler.Signals.Kubernetes;
using Scaler.Tests.Signals.GpuFleet;
using Xunit;
using static Scaler.Tests.FrontDoors.Keda.DecisionsHarness;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>
/// A restarted Scaler, or a replica that takes leadership over, starts every trigger conservative: the count in
/// effect is held for a full down window (5 minutes by default) since the start of its leadership, and state from
/// an earlier term is dropped.
/// </summary>
public sealed class KedaDecisionsTakeOverTests : IAsyncDisposable
{
    private static readonly Dictionary<string, string> Trigger = Metadata("sum(vllm:num_requests_waiting)");
    private readonly StaticWorkloadPods _pods = new StaticWorkloadPods().WithPods([.. Enumerable.Range(0, 6).Select(i => StaticWorkloadPods.Pod($"vllm-7d9f-{i}"))]);
    private readonly DecisionsHarness _harness;

    public KedaDecisionsTakeOverTests() => _harness = new DecisionsHarness(_pods, new KubernetesCluster(null, "test: no cluster"), freshStart: true);

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task DecideAsync_RestartedWithSixRunningAndLittleDemand_HoldsSixForTheDownWindowThenScalesDown()
    {
        _harness.Prometheus.Set(Trigger["pendingRequestsQuery"], 4);

        var atStart = await _harness.DecideAsync("vllm", Trigger);
        await _harness.AdvanceAsync(TimeSpan.FromMinutes(4));
        var afterFour = await _harness.DecideAsync("vllm", Trigger);
        await _harness.AdvanceAsync(TimeSpan.FromMinutes(1));
        var afterFive = await _harness.DecideAsync("vllm", Trigger);

        Assert.Equal(6, atStart.Decision.DesiredReplicas);
        Assert.Contains("since taking over", atStart.Reason, StringComparison.Ordinal);
        Assert.Equal(6, afterFour.Decision.DesiredReplicas);
        Assert.Equal(1, afterFive.Decision.DesiredReplicas);
    }

    [Fact]
    public async Task DecideAsync_LeadershipLostAndRegained_StateOfTheEarlierTermDroppedAndConservativeAgain()
    {
        var leadership = _harness.Services.GetRequiredService<Scaler.Leadership.Leadership>();
        _harness.Prometheus.Set(Trigger["pendingRequestsQuery"], 4);
        await _harness.DecideAsync("vllm", Trigger);
        await _harness.AdvanceAsync(TimeSpan.FromMinutes(6));
        var settled = await _harness.DecideAsync("vllm", Trigger);

        // Another replica led meanwhile; this one takes over again with six running.
        leadership.StoppedLeading();
        leadership.StartedLeading();
        var retaken = await _harness.DecideAsync("vllm", Trigger);

        Assert.Equal(1, settled.Decision.DesiredReplicas);
        Assert.Equal(2, leadership.Term);
        Assert.Equal(6, retaken.Decision.DesiredReplicas);
    }
}
