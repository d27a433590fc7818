using Microsoft.Extensions.Logging.Testing;
using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Prometheus;
using Scaler.Decisions;
using Scaler.FrontDoors.Keda;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.Prometheus;
using Scaler.Signals.RabbitMq;
using Scaler.Signals;
using Scaler.Tests.Signals.Core;
using Scaler.Triggers;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>
/// <see cref="KedaDecisions"/> and <see cref="KedaEventWriter"/> wired as <c>AddKedaFrontDoor</c> wires them, over the
/// real <see cref="ReadingCache"/> on virtual time, with a Prometheus source answering per query
/// (<see cref="QueryPrometheus"/>), the workload view and cluster the test gives, its own metrics registry and
/// captured logs. Call <see cref="StartAsync"/> to start the event writer; dispose to stop it.
/// </summary>
internal sealed class DecisionsHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>How often a query is read again; <see cref="AdvanceAsync"/> steps at least this far.</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromMinutes(1);

    private readonly ServiceProvider _provider;

    /// <param name="time">The virtual clock (shared with <paramref name="pods"/> when they need one); default a new one at <see cref="T0"/>.</param>
    /// <param name="freshStart">
    /// True: the Scaler starts at <see cref="T0"/> (every trigger starts conservative: nothing goes down for a full
    /// down window, docs/availability.md). False (default): it has led for a day by then, so tests see the
    /// engine's own windows only.
    /// </param>
    public DecisionsHarness(IWorkloadPods pods, KubernetesCluster cluster, Action<KedaEventsOptions>? events = null, FakeTimeProvider? time = null, bool freshStart = false)
    {
        var ledSince = freshStart || time is not null ? TimeSpan.Zero : TimeSpan.FromDays(1);
        Time = time ?? new FakeTimeProvider(T0 - ledSince);
        Prometheus = new QueryPrometheus(Time);
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton(Registry);
        services.AddLogging(builder => builder.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));

        // Parts the product's registration keeps (TryAdd): a Prometheus answering on virtual time, and the cluster.
        services.AddSingleton<ISignalSource<PrometheusQuery>>(Prometheus);
        services.AddSingleton(pods);
        services.AddSingleton(cluster);

        // The product's own registration, as Program calls it.
        services.AddSignalSources();
        services.AddKedaFrontDoor();
        services.Configure<SignalSourceOptions>(PrometheusQuery.SourceName, o =>
        {
            o.RefreshInterval = Refresh;
            o.StaleAfter = TimeSpan.FromHours(1);
            o.UnavailableAfter = TimeSpan.FromHours(2);
            o.IdleTimeout = TimeSpan.FromDays(1);
            o.MaxRetryAttempts = 0;
        });
        services.Configure<KedaEventsOptions>(o =>
        {
            o.ReportingInstance = "scaler-7f9c4d5b8-x2x7k";
            events?.Invoke(o);
        });
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        // Leading (alone) since the start, then the test's clock begins at T0.
        _ = _provider.GetRequiredService<Scaler.Leadership.Leadership>();
        Time.Advance(ledSince);
    }

    public FakeTimeProvider Time { get; }

    public QueryPrometheus Prometheus { get; }

    public CollectorRegistry Registry { get; } = Metrics.NewCustomRegistry();

    public FakeLoggerProvider Logs { get; } = new();

    public KedaDecisions Decisions => _provider.GetRequiredService<KedaDecisions>();

    public KedaTriggerCache Triggers => _provider.GetRequiredService<KedaTriggerCache>();

    public KedaEventWriter Writer => _provider.GetRequiredService<KedaEventWriter>();

    public KedaMetrics KedaMetrics => _provider.GetRequiredService<KedaMetrics>();

    public ReadingCache Cache => _provider.GetRequiredService<ReadingCache>();

    /// <summary>Every registered service (the leadership, the admission), for tests that look inside.</summary>
    public IServiceProvider Services => _provider;

    public Task StartAsync() => Writer.StartAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await Writer.StopAsync(CancellationToken.None);
        await _provider.DisposeAsync();
    }

    /// <summary>Trigger metadata reading pending requests with <paramref name="query"/> from Prometheus; no rate limits, so only stabilization shapes the count.</summary>
    public static Dictionary<string, string> Metadata(string query, params (string Key, string Value)[] extra)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["scalerAddress"] = "scaler.scaler-system:9090",
            ["prometheusAddress"] = "http://prometheus.monitoring:9090",
            ["pendingRequestsQuery"] = query,
            ["pendingRequestsTarget"] = "5",
            ["minReplicas"] = "1",
            ["scaleUpLimit"] = "none",
            ["scaleDownLimit"] = "none",
        };
        foreach (var (key, value) in extra)
        {
            metadata[key] = value;
        }

        return metadata;
    }

    /// <summary>What GetMetrics does: parse (throwing on bad metadata), then decide.</summary>
    public async Task<DecisionFor> DecideAsync(string scaledObject, IReadOnlyDictionary<string, string> metadata)
    {
        Assert.True(Triggers.TryParse("llm", scaledObject, metadata, out var trigger, out var errors), string.Join("; ", errors));
        return new DecisionFor(trigger, await Decisions.DecideAsync(trigger, CancellationToken.None));
    }

    /// <summary>Advances virtual time by <paramref name="by"/> and waits until every cached query was read again.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        var expected = Cache.Count;
        var seen = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnRefreshed(string key)
        {
            if (Interlocked.Increment(ref seen) >= expected)
            {
                done.TrySetResult();
            }
        }

        Cache.Refreshed += OnRefreshed;
        try
        {
            Time.Advance(by);
            if (expected > 0)
            {
                await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        finally
        {
            Cache.Refreshed -= OnRefreshed;
        }
    }
}

/// <summary>A Prometheus source answering the value the test set for each query text (unavailable for others).</summary>
internal sealed class QueryPrometheus(TimeProvider time) : ISignalSource<PrometheusQuery>
{
    private readonly ConcurrentDictionary<string, double> _values = new(StringComparer.Ordinal);

    public void Set(string query, double value) => _values[query] = value;

    public ValueTask<Reading> ReadAsync(PrometheusQuery query, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_values.TryGetValue(query.Query, out var value)
            ? Reading.Fresh(value, time.GetUtcNow())
            : Reading.Unavailable($"no value set for {query.Query}"));
}

/// <summary>A decision and the trigger it was made for.</summary>
internal sealed record DecisionFor(Trigger Trigger, Decision Decision)
{
    public string MetricName => Trigger.MetricName;

    public string Reason => Decision.Reason;

    public bool CannotDecide => Decision.CannotDecide;
}
