using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Prometheus;
using Scaler.Decisions;
using Scaler.Signals;

namespace Scaler.Tests.Signals.Core;

/// <summary>
/// A <see cref="ReadingCache"/> wired as in production (<see cref="SignalsServiceCollectionExtensions"/>) over
/// a <see cref="FakeSignalSource"/>, on virtual time, with its own metrics registry and captured logs.
/// </summary>
internal sealed class CacheHarness : IDisposable
{
    public static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _provider;

    /// <param name="jitter">Refresh jitter (<see cref="ReadingCacheOptions.RefreshJitter"/>); 0 by default so that cadence tests see exact intervals.</param>
    /// <param name="random">Draws the jitter (a seeded one makes the schedule repeatable).</param>
    public CacheHarness(Action<SignalSourceOptions>? configure = null, int maxKeys = 10_000, double jitter = 0, Random? random = null)
    {
        var services = new ServiceCollection();
        if (random is not null)
        {
            services.AddSingleton(random);
        }

        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton(Registry);
        services.AddLogging(builder => builder.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton<ISignalSource<FakeQuery>>(Source);
        services.AddSignalsCore(o => (o.MaxKeys, o.RefreshJitter) = (maxKeys, jitter));
        services.AddSignalSource<FakeQuery, FakeSignalSource>(FakeQuery.SourceName, o =>
        {
            // Most tests look at one attempt per refresh; retry tests turn retries back on.
            o.MaxRetryAttempts = 0;
            configure?.Invoke(o);
        });
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Cache = _provider.GetRequiredService<ReadingCache>();
    }

    public FakeTimeProvider Time { get; } = new(T0);

    public FakeSignalSource Source { get; } = new();

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public FakeLoggerProvider Logs { get; } = new();

    public ReadingCache Cache { get; }

    public ValueTask<Reading> GetAsync(string name, CancellationToken cancellationToken = default) =>
        Cache.GetAsync(new FakeQuery(name), cancellationToken);

    /// <summary>Completes when the next refresh of <paramref name="name"/> has been applied; subscribe before causing it.</summary>
    public Task NextRefreshAsync(string name) => NextAsync(name, h => Cache.Refreshed += h, h => Cache.Refreshed -= h);

    /// <summary>Completes when <paramref name="name"/>'s loop schedules its next refresh for <paramref name="due"/> (e.g. after a watch change); subscribe before causing it.</summary>
    public Task ScheduledAsync(string name, DateTimeOffset due)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var key = new FakeQuery(name).Key;
        void Handler(string k, DateTimeOffset at)
        {
            if (k == key && at == due)
            {
                Cache.Scheduled -= Handler;
                done.TrySetResult();
            }
        }

        Cache.Scheduled += Handler;
        return done.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Completes when <paramref name="name"/> is evicted; subscribe before causing it.</summary>
    public Task EvictionAsync(string name) => NextAsync(name, h => Cache.Evicted += h, h => Cache.Evicted -= h);

    /// <summary>Advances virtual time by <paramref name="by"/> and waits for the refresh that causes.</summary>
    public async Task AdvanceAndRefreshAsync(string name, TimeSpan by)
    {
        var refreshed = NextRefreshAsync(name);
        Time.Advance(by);
        await refreshed;
    }

    public async Task<string> ScrapeAsync()
    {
        using var stream = new MemoryStream();
        await Registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public void Dispose() => _provider.Dispose();

    private static Task NextAsync(string name, Action<Action<string>> subscribe, Action<Action<string>> unsubscribe)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var key = new FakeQuery(name).Key;
        void Handler(string k)
        {
            if (k == key)
            {
                unsubscribe(Handler);
                done.TrySetResult();
            }
        }

        subscribe(Handler);
        return done.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
