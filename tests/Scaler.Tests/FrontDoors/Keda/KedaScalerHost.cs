using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scaler.Decisions;
using Scaler.FrontDoors.Keda.Protocol;
using Scaler.FrontDoors.Keda;
using Scaler.Hosting;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.Prometheus;
using Scaler.Signals;
using Scaler.Testing;
using Xunit;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>
/// The Scaler's host as Program.cs composes it, on real Kestrel (h2c gRPC endpoint and HTTP endpoint on
/// 127.0.0.1, ports picked by the OS), with the Prometheus source replaced by a source the test sets and
/// no cluster. Clients are the generated grpc-dotnet client over one HTTP/2 connection, as KEDA uses.
/// </summary>
internal sealed class KedaScalerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private Task? _stopped;

    private KedaScalerHost(WebApplication app, Uri grpc, Uri http, Uri https, SocketsHttpHandler? grpcHandler)
    {
        _app = app;
        GrpcAddress = grpc;
        HttpAddress = http;
        HttpsAddress = https;
        Channel = GrpcChannel.ForAddress(grpc, new GrpcChannelOptions { HttpHandler = grpcHandler ?? new SocketsHttpHandler { EnableMultipleHttp2Connections = false } });
        Client = new ExternalScaler.ExternalScalerClient(Channel);
    }

    public Uri GrpcAddress { get; }

    public Uri HttpAddress { get; }

    /// <summary>The HTTPS port (https://127.0.0.1:port/).</summary>
    public Uri HttpsAddress { get; }

    public GrpcChannel Channel { get; }

    public ExternalScaler.ExternalScalerClient Client { get; }

    public SettablePrometheus Prometheus => _app.Services.GetRequiredService<SettablePrometheus>();

    /// <summary>The host's services (the reading cache, the decisions), for tests that look inside.</summary>
    public IServiceProvider Services => _app.Services;

    /// <param name="configure">More service registrations, before the product's own.</param>
    /// <param name="refresh">The Prometheus signal's refresh interval (default 100 ms).</param>
    /// <param name="settings">More configuration (e.g. <c>Signals:rabbitmq:StaleAfter</c>).</param>
    /// <param name="settablePrometheus">False: the real Prometheus source reads a real server.</param>
    /// <param name="grpcHandler">The handler of <see cref="Channel"/> (TLS options for a TLS gRPC port); default one h2c connection.</param>
    /// <param name="logging">Log providers to add (the host logs nowhere otherwise).</param>
    public static async Task<KedaScalerHost> StartAsync(Action<IServiceCollection>? configure = null, TimeSpan? refresh = null, IDictionary<string, string?>? settings = null, bool settablePrometheus = true, SocketsHttpHandler? grpcHandler = null, ILoggerProvider? logging = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Scaler:Host:Address"] = "127.0.0.1",
            ["Scaler:Host:GrpcPort"] = "0",
            ["Scaler:Host:HttpPort"] = "0",
            ["Scaler:Host:HttpsPort"] = "0",
            ["Scaler:Host:PeerPort"] = "0",
            // Fast refresh so that a changed value reaches the stream quickly.
            ["Signals:prometheus:RefreshInterval"] = Scaler.Durations.DurationText.Format(refresh ?? TimeSpan.FromMilliseconds(100)),
        });

        // The test's settings override the defaults above (a fixed peer port, leader election).
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.Logging.ClearProviders();
        if (logging is not null)
        {
            builder.Logging.AddProvider(logging);
        }

        builder.Services.AddSingleton<SettablePrometheus>();
        if (settablePrometheus)
        {
            builder.Services.AddSingleton<ISignalSource<PrometheusQuery>>(sp => sp.GetRequiredService<SettablePrometheus>());
        }

        builder.Services.AddSingleton<IWorkloadPods>(new NoCluster());
        // No cluster, whatever kubeconfig the machine has: no watch and no event leaves the test.
        builder.Services.AddSingleton(new KubernetesCluster(null, "not running in a cluster (test)"));
        builder.Services.AddSingleton(global::Prometheus.Metrics.NewCustomRegistry());
        configure?.Invoke(builder.Services);

        // The product's own composition, as Program calls it; the parts above are kept (TryAdd*).
        builder.AddScaler();
        var app = builder.Build();
        app.MapScaler();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            // A start-up error (bad settings) must not leave a half-started host behind.
            await app.DisposeAsync();
            throw;
        }

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        // In the order configured: gRPC, HTTP, HTTPS.
        return new KedaScalerHost(app, addresses[0], addresses[1], addresses[2], grpcHandler);
    }

    /// <summary>Stops the host as a SIGTERM would (ApplicationStopping, then the listeners); <see cref="DisposeAsync"/> after it does not stop it again.</summary>
    public Task StopAsync() => _stopped ??= _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Trigger metadata reading pending requests from Prometheus (served by <see cref="SettablePrometheus"/>).</summary>
    public static ScaledObjectRef ScaledObject(string name = "vllm", IDictionary<string, string>? extra = null, string? query = null)
    {
        var reference = new ScaledObjectRef { Name = name, Namespace = "llm" };
        reference.ScalerMetadata.Add("scalerAddress", "scaler.scaler-system:9090");
        reference.ScalerMetadata.Add("prometheusAddress", "http://prometheus.monitoring:9090");
        reference.ScalerMetadata.Add("pendingRequestsQuery", query ?? $"sum(vllm:num_requests_waiting{{namespace=\"llm\",pod=~\"{name}-.*\"}})");
        reference.ScalerMetadata.Add("pendingRequestsTarget", "5");
        reference.ScalerMetadata.Add("scaleUpLimit", "10/60s");
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            reference.ScalerMetadata[key] = value;
        }

        return reference;
    }

    /// <summary>
    /// Waits until an open StreamIsActive of <paramref name="scaledObject"/> has watched its signals, they were read
    /// twice more at the push interval, and the door decided no replica for it: a stream that was going to send a
    /// wrong early <c>true</c> has sent it by then.
    /// </summary>
    public async Task StreamSettledInactiveAsync(ScaledObjectRef scaledObject)
    {
        Assert.True(Services.GetRequiredService<KedaTriggerCache>().TryParse(scaledObject.Namespace, scaledObject.Name, scaledObject.ScalerMetadata, out var trigger, out var errors), string.Join("; ", errors));
        var cache = Services.GetRequiredService<ReadingCache>();
        var keys = trigger.Queries.Values.Select(q => q.Key).ToHashSet(StringComparer.Ordinal);
        await Eventually.HoldsAsync(() => keys.All(key => cache.WatcherCount(key) > 0));
        var refreshes = 0;
        void Count(string key)
        {
            if (keys.Contains(key))
            {
                Interlocked.Increment(ref refreshes);
            }
        }

        cache.Refreshed += Count;
        try
        {
            await Eventually.HoldsAsync(() => Volatile.Read(ref refreshes) >= 2 * keys.Count);
        }
        finally
        {
            cache.Refreshed -= Count;
        }

        var decisions = Services.GetRequiredService<KedaDecisions>();
        await Eventually.HoldsAsync(
            () => decisions.LatestFor(trigger.ScaledObject).Any(d => d.Trigger.MetricName == trigger.MetricName && d.Decision is { CannotDecide: false, DesiredReplicas: 0 }),
            describe: () => string.Join("; ", decisions.LatestFor(trigger.ScaledObject).Select(d => d.Decision.Reason)));
    }

    private sealed class NoCluster : IWorkloadPods
    {
        public PodSet GetPods(WorkloadRef workload) => PodSet.Unknown("not running in a cluster (test)");

        public PodSet GetExporters(IReadOnlyCollection<string> nodeNames) => PodSet.Unknown("not running in a cluster (test)");
    }
}

/// <summary>A Prometheus source whose answer the test sets: a value, or an unavailable reading.</summary>
internal sealed class SettablePrometheus : ISignalSource<PrometheusQuery>
{
    private volatile Reading? _answer;
    private int _reads;

    public int Reads => Volatile.Read(ref _reads);

    public void Set(double value) => _answer = Reading.Fresh(value, TimeProvider.System.GetUtcNow());

    public void SetUnavailable(string reason) => _answer = Reading.Unavailable(reason);

    public ValueTask<Reading> ReadAsync(PrometheusQuery query, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        var answer = _answer ?? Reading.Unavailable("no answer set");
        return ValueTask.FromResult(answer.Status == Scaler.Decisions.SignalStatus.Fresh ? answer with { ObservedAt = TimeProvider.System.GetUtcNow() } : answer);
    }
}
