using System.Globalization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Scaler.Durations;
using Scaler.Signals.GpuFleet;
using Scaler.Signals.InferenceServer;
using Scaler.Signals.Kubernetes;

namespace Scaler.Demo;

internal static class DemoServiceCollectionExtensions
{
    /// <summary>
    /// The demo's parts, registered before the Scaler's own composition so that they take the places a cluster
    /// would fill (TryAdd* there): the accelerated clock, no Kubernetes API (no event, no watch ever leaves
    /// the machine), the simulated pods' view, and the hosted simulated network, deployment and KEDA loop.
    /// </summary>
    public static IServiceCollection AddDemo(this IServiceCollection services, AcceleratedTimeProvider time, DemoDeployment deployment, DemoScaledObject scaledObject, int podPort)
    {
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(new KubernetesCluster(null, "the demo runs no cluster: its pods are simulated"));
        services.AddSingleton(deployment);
        services.AddSingleton(scaledObject);
        services.TryAddSingleton<IWorkloadPods, DemoWorkloadPods>();
        services.AddSingleton(new DemoNetwork(deployment, podPort));
        services.AddHostedService(static sp => sp.GetRequiredService<DemoNetwork>());
        services.AddHostedService<DemoDriver>();
        services.AddHostedService<DemoKeda>();
        return services;
    }

    /// <summary>
    /// The Scaler's settings for the demo: every port on loopback; and the budgets of calls over the network
    /// (scrape and attempt timeouts, the first read's wait) kept in real seconds, because the clock is
    /// accelerated and the loopback network is not. Push refreshes are spaced so that the demo's scrapes stay
    /// around ten per real second.
    /// </summary>
    public static Dictionary<string, string?> Settings(DemoOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string Scaled(double seconds, double max) => DurationText.Format(TimeSpan.FromSeconds(Math.Min(max, seconds * options.Speed)));
        var settings = new Dictionary<string, string?>
        {
            ["Scaler:Host:Address"] = "127.0.0.1",
            ["Scaler:Host:GrpcPort"] = options.GrpcPort.ToString(CultureInfo.InvariantCulture),
            ["Scaler:Host:HttpPort"] = options.HttpPort.ToString(CultureInfo.InvariantCulture),
            ["Scaler:Host:HttpsPort"] = options.HttpsPort.ToString(CultureInfo.InvariantCulture),
            [$"{InferenceServerOptions.Section}:ScrapeTimeout"] = Scaled(2, 60),
            [$"{GpuFleetOptions.Section}:ScrapeTimeout"] = Scaled(2, 60),
            [$"{GpuFleetOptions.Section}:MaxSampleAge"] = Scaled(30, 3600),
        };
        foreach (var source in new[] { WorkQuery.SourceName, InferenceQueueQuery.SourceName, GpuFleetQuery.SourceName })
        {
            settings[$"Signals:{source}:AttemptTimeout"] = Scaled(1, 600);
            settings[$"Signals:{source}:TotalTimeout"] = Scaled(3, 600);
            settings[$"Signals:{source}:FirstReadWait"] = Scaled(2, 30);
            settings[$"Signals:{source}:PushRefreshInterval"] = DurationText.Format(TimeSpan.FromSeconds(Math.Max(0.5, options.Speed * 0.1)));
        }

        return settings;
    }
}
