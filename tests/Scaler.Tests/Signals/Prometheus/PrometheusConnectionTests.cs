using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scaler.Decisions;
using Scaler.Signals.Prometheus;
using Scaler.Testing;

namespace Scaler.Tests.Signals.Prometheus;

/// <summary>How the Prometheus source uses connections: capped per server, configurable, validated at start.</summary>
public class PrometheusConnectionTests
{
    [Fact]
    public async Task ReadAsync_HundredReadsInFlight_ConnectionsCappedPerServer()
    {
        await using var server = await LoopbackServer.StartAsync();
        var connections = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = LoopbackServer.Json(LoopbackServer.Vector("3"));
        server.Handler = async context =>
        {
            connections.TryAdd(context.Connection.Id, 0);
            await release.Task; // every request held: without a cap each would need its own connection
            await answer(context);
        };
        using var h = new PrometheusHarness();
        var cap = new PrometheusOptions().MaxConnectionsPerServer;

        var reads = Enumerable.Range(0, 100).Select(i => h.ReadAsync(new PrometheusQuery(server.Address, $"vector({i})")).AsTask()).ToList();
        await Eventually.HoldsAsync(() => server.Requests >= cap, describe: () => $"only {server.Requests} requests arrived");

        release.SetResult();
        var readings = await Task.WhenAll(reads).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(readings, r => Assert.Equal((SignalStatus.Fresh, 3.0), (r.Status, r.Value)));
        Assert.Equal(100, server.Requests);
        Assert.Equal(cap, connections.Count);
    }

    public static TheoryData<string?, bool> Caps => new()
    {
        { null, true },   // the default (32)
        { "1", true },    // one connection: reads queue behind each other
        { "1024", true }, // the largest allowed
        { "0", false },   // no connection at all
        { "1025", false }, // beyond the range
    };

    [Theory]
    [MemberData(nameof(Caps))]
    public void Options_MaxConnectionsPerServer_ValidatedNamingTheSetting(string? value, bool valid)
    {
        var settings = new Dictionary<string, string?>();
        if (value is not null)
        {
            settings["Signals:prometheus:MaxConnectionsPerServer"] = value;
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddPrometheusSignals();
        using var provider = services.BuildServiceProvider();

        var read = () => provider.GetRequiredService<IOptions<PrometheusOptions>>().Value;

        if (valid)
        {
            Assert.Equal(value is null ? 32 : int.Parse(value, System.Globalization.CultureInfo.InvariantCulture), read().MaxConnectionsPerServer);
        }
        else
        {
            var error = Assert.Throws<OptionsValidationException>(read);
            Assert.Contains(nameof(PrometheusOptions.MaxConnectionsPerServer), error.Message, StringComparison.Ordinal);
        }
    }
}
