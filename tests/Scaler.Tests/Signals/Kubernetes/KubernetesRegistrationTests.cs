using Microsoft.Extensions.Logging.Testing;
using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scaler.Signals.Kubernetes;
using Scaler.Testing;
using Xunit;
using static Scaler.Tests.Signals.Kubernetes.FakeKubeObjects;

namespace Scaler.Tests.Signals.Kubernetes;

public class KubernetesRegistrationTests
{
    [Fact]
    public async Task AddKubernetesWorkloads_NoCluster_EveryAnswerUnknownWithReasonLoggedOnce()
    {
        var logs = new FakeLoggerProvider();
        await using var provider = Services(logs, new KubernetesCluster(null, KubernetesCluster.NoClusterReason)).BuildServiceProvider();
        await StartAsync(provider);

        var pods = provider.GetRequiredService<IWorkloadPods>();
        var first = pods.GetPods(new WorkloadRef("llm", "vllm-so"));
        var second = pods.GetPods(new WorkloadRef("llm", "vllm-so", "app=vllm"));
        var exporters = pods.GetExporters(["gpu-node-1"]);

        Assert.All([first, second, exporters], set =>
        {
            Assert.False(set.IsKnown);
            Assert.Empty(set.Pods);
            Assert.Equal("not running in a cluster: no kubeconfig or service account", set.UnavailableReason);
        });
        var warning = Assert.Single(logs.Collector.GetSnapshot(), r => r.Id.Id == 406);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("not running in a cluster", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_UnreadableKubeconfig_NoClusterWithTheReason()
    {
        var cluster = KubernetesCluster.Connect(new KubernetesOptions { KubeconfigPath = Path.Combine(Path.GetTempPath(), $"no-such-kubeconfig-{Guid.NewGuid():N}") });

        Assert.Null(cluster.Client);
        Assert.StartsWith("the Kubernetes client configuration could not be loaded", cluster.UnavailableReason, StringComparison.Ordinal);
    }

    [Theory]
    // An empty file (KUBECONFIG=/dev/null is a common way to say "no cluster").
    [InlineData("")]
    // Whitespace only.
    [InlineData("  \n\t\n")]
    // Not YAML at all.
    [InlineData("\u0000\u0001 not: [yaml")]
    // YAML, but no clusters, contexts or users.
    [InlineData("apiVersion: v1\nkind: Config\n")]
    public void Connect_EmptyOrGarbledKubeconfig_NoClusterWithTheReasonNeverACrash(string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}");
        File.WriteAllText(path, content);
        try
        {
            var cluster = KubernetesCluster.Connect(new KubernetesOptions { KubeconfigPath = path });

            Assert.Null(cluster.Client);
            Assert.StartsWith("the Kubernetes client configuration could not be loaded", cluster.UnavailableReason, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task AddKubernetesWorkloads_WithCluster_WatchesFromStartUntilStop()
    {
        await using var api = await FakeKubeApi.StartAsync();
        api.Apply(Pod("scaler-system", "nvml-exporter-a", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "nvml-exporter" }, node: "gpu-node-1"));
        await using var provider = Services(new FakeLoggerProvider(), new KubernetesCluster(api.CreateClient(), null)).BuildServiceProvider();
        var hosted = await StartAsync(provider);

        // The hosted service started the exporter cache: no call was needed to start it.
        await Eventually.HoldsAsync(() => api.OpenWatches("pods") == 1);
        var pods = Assert.IsType<KubernetesWorkloadPods>(provider.GetRequiredService<IWorkloadPods>());
        Assert.Equal(["nvml-exporter-a"], pods.GetExporters(["gpu-node-1"]).Pods.Select(p => p.Name));

        foreach (var service in hosted)
        {
            await service.StopAsync(CancellationToken.None);
        }

        await Eventually.HoldsAsync(() => api.OpenWatches("pods") == 0);
    }

    [Theory]
    // Not a label selector.
    [InlineData("ExporterSelector", "app nvml")]
    // Backoff bounds out of order.
    [InlineData("MaxBackoff", "00:00:00.5")]
    // Outside the allowed range.
    [InlineData("InitialBackoff", "00:00:00")]
    public void AddKubernetesWorkloads_InvalidOptions_FailValidationNamingTheSetting(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Scaler:Kubernetes:{key}"] = value }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddKubernetesWorkloads();
        using var provider = services.BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KubernetesOptions>>().Value);

        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    private static ServiceCollection Services(FakeLoggerProvider logs, KubernetesCluster cluster)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddLogging(b => b.AddProvider(logs));
        services.AddSingleton(cluster);
        services.AddKubernetesWorkloads();
        return services;
    }

    private static async Task<List<IHostedService>> StartAsync(IServiceProvider provider)
    {
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        return hosted;
    }
}
