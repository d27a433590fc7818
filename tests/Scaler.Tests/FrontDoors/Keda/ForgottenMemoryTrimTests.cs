using Microsoft.Extensions.DependencyInjection;
using Scaler.FrontDoors.Keda;
using Scaler.Signals.Kubernetes;
using Scaler.Tests.Signals.GpuFleet;
using static Scaler.Tests.FrontDoors.Keda.DecisionsHarness;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>Memory is given back once many triggers were forgotten, not after a few, and each forgetting counts once.</summary>
public sealed class ForgottenMemoryTrimTests : IAsyncDisposable
{
    private static readonly Dictionary<string, string> Trigger = Metadata("sum(vllm:num_requests_waiting)");
    private readonly DecisionsHarness _harness = new(new StaticWorkloadPods().WithPods(StaticWorkloadPods.Pod("vllm-7d9f-a")), new KubernetesCluster(null, "test: no cluster"));

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Theory]
    // A few ScaledObjects going away is no reason for a full collection.
    [InlineData(ForgottenMemoryTrim.Threshold - 1, 0)]
    // A mass forgetting is.
    [InlineData(ForgottenMemoryTrim.Threshold, 1)]
    public async Task TrimIfMany_AfterTriggersForgotten_TrimsOnlyFromTheThreshold(int forgotten, int trims)
    {
        var trim = _harness.Services.GetRequiredService<ForgottenMemoryTrim>();
        await trim.StartAsync(CancellationToken.None);
        _harness.Prometheus.Set(Trigger["pendingRequestsQuery"], 12);
        for (var i = 0; i < forgotten; i++)
        {
            await _harness.DecideAsync($"so-{i}", Trigger);
        }

        _harness.Time.Advance(_harness.Decisions.ForgetAfter + TimeSpan.FromMinutes(1));
        _harness.Decisions.ForgetIdle();
        trim.TrimIfMany();
        var first = trim.Trims;
        // Nothing forgotten since: no second trim.
        trim.TrimIfMany();

        Assert.Equal(0, _harness.Decisions.Count);
        Assert.Equal(trims, first);
        Assert.Equal(trims, trim.Trims);
        Assert.Equal(trims, _harness.Logs.Lines().Count(l => l.Contains("triggers forgotten: memory given back", StringComparison.Ordinal)));
        await trim.StopAsync(CancellationToken.None);
    }
}
