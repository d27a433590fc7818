using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Scaler.Hosting;
using Scaler.Signals.Kubernetes;

namespace MetricsApi.Bench;

/// <summary>The Scaler as Program composes it, on loopback ports the OS picks, trusting the bench's front-proxy CA; no cluster.</summary>
internal sealed class BenchHost(WebApplication app, Uri https) : IAsyncDisposable
{
    public Uri Https { get; } = https;

    public IServiceProvider Services => app.Services;

    public static async Task<BenchHost> StartAsync(FrontProxyPki pki, Action<IServiceCollection> configure)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Scaler:Host:Address"] = "127.0.0.1",
            ["Scaler:Host:GrpcPort"] = "0",
            ["Scaler:Host:HttpPort"] = "0",
            ["Scaler:Host:HttpsPort"] = "0",
            ["Scaler:Events:Enabled"] = "false",
            ["Scaler:MetricsApi:RequestHeaderClientCaPath"] = pki.CaPath,
            ["Scaler:MetricsApi:RequestHeaderAllowedNames:0"] = "front-proxy-client",
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(new KubernetesCluster(null, "no cluster in the bench"));
        builder.Services.AddSingleton(Prometheus.Metrics.NewCustomRegistry());
        configure(builder.Services);
        builder.AddScaler();
        var app = builder.Build();
        app.MapScaler();
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        var source = app.Services.GetRequiredService<Scaler.FrontDoors.MetricsApi.RequestHeaderSource>();
        while (source.Current.ClientCas.Count == 0)
        {
            await Task.Delay(20);
        }

        return new BenchHost(app, addresses[2]);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
