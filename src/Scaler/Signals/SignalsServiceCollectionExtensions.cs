using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prometheus;
using Scaler.Durations;
using Scaler.Signals.Keys;

namespace Scaler.Signals;

/// <summary>
/// Registration of the signal layer (STYLE rule 1: <c>TryAdd*</c>, so tests swap parts). A source registers
/// itself in its own folder (<c>AddRabbitMqSignals</c>): its reader with <see cref="AddSignalSource"/>, which
/// puts its query type in the cache's dispatch table (<see cref="SignalSources"/>), and its trigger keys with
/// <c>AddTriggerKeys</c>. Callers ask <see cref="ReadingCache.GetAsync"/> with any <see cref="SignalQuery"/>.
/// </summary>
internal static class SignalsServiceCollectionExtensions
{
    /// <summary>The configuration section of source <c>x</c>'s <see cref="SignalSourceOptions"/> is <c>Signals:x</c>.</summary>
    public const string ConfigurationSection = "Signals";

    /// <summary>
    /// The reading cache, the resilience pipelines, the self-metrics (on the registered
    /// <see cref="CollectorRegistry"/>, else prometheus-net's default registry) and <see cref="TimeProvider.System"/>
    /// unless one is registered. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddSignalsCore(this IServiceCollection services, Action<ReadingCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        DurationConverter.Register();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(Metrics.DefaultRegistry);
        services.TryAddSingleton<SignalMetrics>();
        services.TryAddSingleton<SignalPipelines>();
        services.TryAddSingleton<SignalSources>();
        services.TryAddSingleton<ReadingCache>();
        services.TryAddSingleton<PodMetrics>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SignalSourceOptions>, SignalSourceOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReadingCacheOptions>, ReadingCacheOptionsValidator>());
        var cache = services.AddOptions<ReadingCacheOptions>()
            .Configure<IServiceProvider>((options, provider) => provider.GetService<IConfiguration>()?.GetSection(ConfigurationSection).Bind(options))
            .ValidateOnStart();
        if (configure is not null)
        {
            cache.Configure(configure);
        }

        return services;
    }

    /// <summary>
    /// Registers source <typeparamref name="TSource"/> for <typeparamref name="TQuery"/> (in the dispatch table the
    /// cache finds a query's source in by its run-time type) and the options of its pipeline and refresh, named
    /// <paramref name="sourceName"/> (= <see cref="SignalQuery.Source"/>):
    /// class defaults, then <paramref name="configure"/> (the source's own defaults), then configuration
    /// <c>Signals:&lt;sourceName&gt;</c> (the operator's), validated at start.
    /// </summary>
    public static IServiceCollection AddSignalSource<TQuery, TSource>(this IServiceCollection services, string sourceName, Action<SignalSourceOptions>? configure = null)
        where TQuery : SignalQuery
        where TSource : class, ISignalSource<TQuery>
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        services.AddSignalsCore();
        services.TryAddSingleton<ISignalSource<TQuery>, TSource>();
        if (!services.Any(d => d.ImplementationInstance is SignalSourceRegistration r && r.QueryType == typeof(TQuery)))
        {
            services.AddSingleton(SignalSourceRegistration.For<TQuery>(sourceName));
        }

        var options = services.AddOptions<SignalSourceOptions>(sourceName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options
            .Configure<IServiceProvider>((o, provider) => provider.GetService<IConfiguration>()?.GetSection($"{ConfigurationSection}:{sourceName}").Bind(o))
            .ValidateOnStart();
        return services;
    }

    /// <summary>
    /// Registers a source's trigger keys (<see cref="ITriggerKeys"/>): the trigger parser reads them, in
    /// registration order, so the signals of a trigger come out in that order (ties between proposals go to
    /// the earlier signal).
    /// </summary>
    public static IServiceCollection AddTriggerKeys<TKeys>(this IServiceCollection services)
        where TKeys : class, ITriggerKeys
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITriggerKeys, TKeys>());
        return services;
    }

    /// <summary>
    /// Registers a metric the source serves per pod (<see cref="PodMetric"/>): the custom metrics API lists and
    /// serves it by name without naming the source.
    /// </summary>
    public static IServiceCollection AddPodMetric(this IServiceCollection services, PodMetric metric)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(metric);
        if (!services.Any(d => d.ImplementationInstance is PodMetric m && m.Name == metric.Name))
        {
            services.AddSingleton(metric);
        }

        return services;
    }
}
