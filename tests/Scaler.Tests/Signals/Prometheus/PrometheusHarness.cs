using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Prometheus;
using Scaler.Decisions;
using Scaler.Signals.Prometheus;
using Scaler.Signals;
using Scaler.Tests.Signals.Core;

namespace Scaler.Tests.Signals.Prometheus;

/// <summary>
/// The Prometheus source as production wires it (<see cref="PrometheusServiceCollectionExtensions.AddPrometheusSignals"/>):
/// real HTTP, the cache's clock virtual, its own metrics registry, every log line captured.
/// </summary>
internal sealed class PrometheusHarness : IDisposable
{
    private readonly ServiceProvider _provider;

    public PrometheusHarness(Action<SignalSourceOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton(Registry);
        services.AddLogging(builder => builder.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        services.AddPrometheusSignals(configure);
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Source = (PrometheusSource)_provider.GetRequiredService<ISignalSource<PrometheusQuery>>();
        Cache = _provider.GetRequiredService<ReadingCache>();
    }

    public FakeTimeProvider Time { get; } = new(CacheHarness.T0);

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public FakeLoggerProvider Logs { get; } = new();

    public PrometheusSource Source { get; }

    public ReadingCache Cache { get; }

    /// <summary>One read straight from the source (no cache, no pipeline).</summary>
    public ValueTask<Reading> ReadAsync(PrometheusQuery query) => Source.ReadAsync(query, CancellationToken.None);

    /// <summary>Advances virtual time and waits for <paramref name="query"/>'s refresh.</summary>
    public async Task AdvanceAndRefreshAsync(PrometheusQuery query, TimeSpan by)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(string key)
        {
            if (key == query.Key)
            {
                Cache.Refreshed -= Handler;
                done.TrySetResult();
            }
        }

        Cache.Refreshed += Handler;
        Time.Advance(by);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async Task<string> ScrapeAsync()
    {
        using var stream = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public void Dispose() => _provider.Dispose();
}
