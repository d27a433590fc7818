using Microsoft.Extensions.Logging.Testing;
using System.Net.Http.Json;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.DependencyInjection;
using Scaler.FrontDoors.Keda.Protocol;
using Scaler.Signals.Kubernetes;
using Scaler.Testing;
using Scaler.Tests.Signals.Core;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>
/// The Scaler out of a cluster, with the product's own "no cluster" workload view (not the test host's
/// stand-in): signals that need no cluster are served, the door takes its own last decision as the current
/// count and says so once, and signals that need the cluster answer UNAVAILABLE with that reason.
/// </summary>
public sealed class KedaOutOfClusterTests : IAsyncLifetime, IDisposable
{
    private readonly FakeLoggerProvider _logs = new();
    private KedaScalerHost _host = null!;

    public async Task InitializeAsync() => _host = await KedaScalerHost.StartAsync(
        configure: services => services.RemoveAll<IWorkloadPods>(),
        logging: _logs);

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
    }

    public void Dispose() => _logs.Dispose();

    [Fact]
    public async Task GetMetrics_PodScrapedSignal_UnavailableSayingThereIsNoCluster()
    {
        var scaledObject = new ScaledObjectRef { Name = "scraped", Namespace = "llm" };
        scaledObject.ScalerMetadata.Add("server", "vllm");
        scaledObject.ScalerMetadata.Add("minReplicas", "1");

        var error = await Assert.ThrowsAsync<RpcException>(async () => await _host.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = scaledObject }));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("capacity unknown", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("not running in a cluster (test)", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetMetrics_PrometheusSignal_ServedWithItsOwnLastDecisionAsTheCountAndLoggedOnce()
    {
        var scaledObject = KedaScalerHost.ScaledObject("served", new Dictionary<string, string> { ["minReplicas"] = "1" });
        _host.Prometheus.Set(12);
        var first = await UntilAsync(scaledObject, 3);
        _host.Prometheus.Set(27);
        var second = await UntilAsync(scaledObject, 6);

        using var http = new HttpClient { BaseAddress = _host.HttpAddress };
        var decision = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/decisions/llm/served");

        // 12 pending at 5 per replica: 3; then 27: 6, decided from the 3 it answered before (no cluster to count pods).
        Assert.Equal((3, 6), (first, second));
        Assert.Equal(3, decision.GetProperty("currentReplicas").GetInt32());
        Assert.Single(_logs.Lines(), l => l.Contains("taking the scaler's own last decision as the current count", StringComparison.Ordinal));
        Assert.Contains(_logs.Lines(), l => l.Contains("not running in a cluster (test)", StringComparison.Ordinal));
    }

    // Polls as KEDA does until GetMetrics answers the expected count (the first read of a key takes a moment).
    private async Task<long> UntilAsync(ScaledObjectRef scaledObject, long expected)
    {
        var metricName = (await _host.Client.GetMetricSpecAsync(scaledObject)).MetricSpecs.Single().MetricName;
        return await Eventually.ReturnsAsync(
            async () => (await _host.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = scaledObject, MetricName = metricName })).MetricValues.Single().MetricValue_,
            value => value == expected,
            interval: TimeSpan.FromMilliseconds(100));
    }
}
