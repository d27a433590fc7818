using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NvmlExporter.Attribution;
using NvmlExporter.Hosting;

namespace NvmlExporter.Tests.Attribution;

public sealed class AttributionServiceCollectionExtensionsTests
{
    [Fact]
    public void AddPodAttribution_Disabled_RegistersStoreOnly()
    {
        using var provider = new ServiceCollection()
            .AddLogging()
            .AddPodAttribution(new ExporterOptions { Attribution = false })
            .BuildServiceProvider();

        Assert.Same(DeviceAttribution.None, provider.GetRequiredService<AttributionStore>().Current);
        Assert.Null(provider.GetService<IPodResourcesSource>());
        Assert.Empty(provider.GetServices<IHostedService>());
    }

    [Fact]
    public void AddPodAttribution_Enabled_RegistersClientForSocketAndOneService()
    {
        var options = new ExporterOptions { PodResourcesSocket = "/run/test/kubelet.sock" };
        var services = new ServiceCollection().AddLogging();

        services.AddPodAttribution(options);
        services.AddPodAttribution(options);
        using var provider = services.BuildServiceProvider();

        var source = Assert.IsType<PodResourcesClient>(provider.GetRequiredService<IPodResourcesSource>());
        Assert.Equal("/run/test/kubelet.sock", source.Address);
        Assert.IsType<AttributionService>(Assert.Single(provider.GetServices<IHostedService>()));
    }

    [Fact]
    public void AddPodAttribution_SourceRegisteredFirst_KeepsIt()
    {
        var fake = new StaticSource();
        using var provider = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IPodResourcesSource>(fake)
            .AddPodAttribution(new ExporterOptions())
            .BuildServiceProvider();

        Assert.Same(fake, provider.GetRequiredService<IPodResourcesSource>());
    }

    private sealed class StaticSource : IPodResourcesSource
    {
        public string Address => "static";

        public Task<PodResourcesReading> ListAsync(CancellationToken cancellationToken) =>
            Task.FromResult(PodResourcesReading.Ok(new Kubelet.PodResources.V1.ListPodResourcesResponse()));
    }
}
