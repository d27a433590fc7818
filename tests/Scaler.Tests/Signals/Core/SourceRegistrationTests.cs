using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Scaler.Decisions;
using Scaler.Signals.GpuFleet;
using Scaler.Signals.InferenceServer;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.Prometheus;
using Scaler.Signals.RabbitMq;
using Scaler.Signals;
using Scaler.Testing;

namespace Scaler.Tests.Signals.Core;

/// <summary>
/// Every source, registered with its own one-line extension, is read through the shared cache and
/// pipeline; an upstream that cannot answer gives an unavailable reading, never an exception or 0.
/// </summary>
public sealed class SourceRegistrationTests : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly ReadingCache _cache;

    public SourceRegistrationTests()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging();
        services.AddSingleton(global::Prometheus.Metrics.NewCustomRegistry());
        services.AddSingleton<IWorkloadPods>(new UnknownPods());
        services.AddPrometheusSignals();
        services.AddRabbitMqSignals();
        services.AddGpuFleetSignals();
        services.AddInferenceServerSignals();
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        _cache = _services.GetRequiredService<ReadingCache>();
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private static async Task<Reading> SettledAsync(Func<Task<Reading>> read)
    {
        // The first ask may answer "first read in progress"; either way it is unavailable. Ask until the
        // read itself has settled (bounded: the pipeline gives up within its 3 s total budget).
        return await Eventually.ReturnsAsync(
            async () => await read(),
            reading => reading.Reason?.Contains("first read", StringComparison.OrdinalIgnoreCase) != true,
            timeout: TimeSpan.FromSeconds(15),
            interval: TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task Prometheus_ServerRefusesConnections_ReadsUnavailableThroughTheCache()
    {
        var reading = await SettledAsync(() => _cache.GetAsync(new PrometheusQuery(new Uri("http://127.0.0.1:1"), "up"), CancellationToken.None).AsTask());

        Assert.Equal(SignalStatus.Unavailable, reading.Status);
        Assert.True(double.IsNaN(reading.Value));
        Assert.False(string.IsNullOrEmpty(reading.Reason));
    }

    [Fact]
    public async Task RabbitMq_BrokerRefusesConnections_ReadsUnavailableThroughTheCache()
    {
        var metadata = new Dictionary<string, string> { ["host"] = "amqp://scaler:s3cr3t-pw@127.0.0.1:1/", ["queueName"] = "requests" };
        Assert.True(RabbitMqQuery.TryParse(metadata, new RabbitMqCredentialsOptions(), out var query, out var errors), string.Join("; ", errors));

        var reading = await SettledAsync(() => _cache.GetAsync(query!, CancellationToken.None).AsTask());

        Assert.Equal(SignalStatus.Unavailable, reading.Status);
        Assert.DoesNotContain("s3cr3t-pw", reading.Reason, StringComparison.Ordinal);
    }

    [Theory]
    // Both pod-scraping sources pass the workload resolver's "unknown" on as their reason.
    [InlineData("gpu")]
    [InlineData("inference-server")]
    public async Task PodSources_WorkloadUnknown_ReadUnavailableWithTheReason(string source)
    {
        var workload = new WorkloadRef("llm", "vllm");
        var reading = source == "gpu"
            ? await SettledAsync(() => _cache.GetAsync(new GpuFleetQuery(workload, GpuFleetAggregate.MeanUtilization), CancellationToken.None).AsTask())
            : await SettledAsync(() => _cache.GetAsync(new InferenceQueueQuery(workload, InferenceServerKind.Vllm), CancellationToken.None).AsTask());

        Assert.Equal(SignalStatus.Unavailable, reading.Status);
        Assert.Contains(UnknownPods.Reason, reading.Reason, StringComparison.Ordinal);
    }

    private sealed class UnknownPods : IWorkloadPods
    {
        public const string Reason = "not running in a cluster (test)";

        public PodSet GetPods(WorkloadRef workload) => PodSet.Unknown(Reason);

        public PodSet GetExporters(IReadOnlyCollection<string> nodeNames) => PodSet.Unknown(Reason);
    }
}
