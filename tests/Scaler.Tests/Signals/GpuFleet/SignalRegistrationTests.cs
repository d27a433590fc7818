using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scaler.Signals;
using Scaler.Signals.GpuFleet;
using Scaler.Signals.InferenceServer;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.PrometheusText;

namespace Scaler.Tests.Signals.GpuFleet;

/// <summary>AddGpuFleetSignals / AddInferenceServerSignals: what they register, and options validated from configuration.</summary>
public class SignalRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddSingleton<IWorkloadPods>(new StaticWorkloadPods());
        services.AddGpuFleetSignals().AddInferenceServerSignals();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    [Fact]
    public void AddSignals_Defaults_ResolveBothSourcesSharingOneScraper()
    {
        using var provider = Build([]);

        Assert.IsType<GpuFleetSource>(provider.GetRequiredService<ISignalSource<GpuFleetQuery>>());
        Assert.IsType<InferenceQueueSource>(provider.GetRequiredService<ISignalSource<InferenceQueueQuery>>());
        Assert.Same(provider.GetRequiredService<MetricsScraper>(), provider.GetRequiredService<MetricsScraper>());
        Assert.Equal(TimeSpan.FromSeconds(2), provider.GetRequiredService<IOptions<GpuFleetOptions>>().Value.ScrapeTimeout);
    }

    [Fact]
    public void AddSignals_ValuesFromConfiguration_AreBound()
    {
        using var provider = Build(new() { ["Signals:GpuFleet:MaxConcurrency"] = "16", ["Signals:InferenceServer:ScrapeTimeout"] = "00:00:00.500" });

        Assert.Equal(16, provider.GetRequiredService<IOptions<GpuFleetOptions>>().Value.MaxConcurrency);
        Assert.Equal(TimeSpan.FromMilliseconds(500), provider.GetRequiredService<IOptions<InferenceServerOptions>>().Value.ScrapeTimeout);
    }

    [Theory]
    // no concurrency at all
    [InlineData("Signals:GpuFleet:MaxConcurrency", "0", "MaxConcurrency")]
    // a coverage share above 1
    [InlineData("Signals:GpuFleet:MinNodeCoverage", "1.5", "MinNodeCoverage")]
    // a zero timeout
    [InlineData("Signals:InferenceServer:ScrapeTimeout", "00:00:00", "ScrapeTimeout")]
    public void AddSignals_BadValue_FailsValidationNamingIt(string key, string value, string member)
    {
        using var provider = Build(new() { [key] = value });

        var e = Assert.Throws<OptionsValidationException>(() =>
        {
            _ = provider.GetRequiredService<IOptions<GpuFleetOptions>>().Value;
            _ = provider.GetRequiredService<IOptions<InferenceServerOptions>>().Value;
        });
        Assert.Contains(member, e.Message, StringComparison.Ordinal);
    }
}
