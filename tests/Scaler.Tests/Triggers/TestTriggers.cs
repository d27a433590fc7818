using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Scaler.Decisions;
using Scaler.FrontDoors.Keda;
using Scaler.Signals.RabbitMq;
using Scaler.Signals;
using Scaler.Triggers;

namespace Scaler.Tests.Triggers;

/// <summary>The product's trigger parser, built by its own registration (every source's keys), as the KEDA door calls it.</summary>
internal static class TestTriggers
{
    private static readonly Lazy<TriggerParser> Default = new(() => Parser(new RabbitMqCredentialsOptions()));

    /// <summary>A parser over every registered source; <paramref name="brokers"/> are the scaler's configured RabbitMQ brokers.</summary>
    public static TriggerParser Parser(RabbitMqCredentialsOptions brokers)
    {
        ArgumentNullException.ThrowIfNull(brokers);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddSignalSources().AddTriggerParser();
        services.Configure<RabbitMqCredentialsOptions>(options =>
        {
            foreach (var (alias, broker) in brokers.Brokers)
            {
                options.Brokers[alias] = broker;
            }
        });

        // The parser holds no resources; the provider lives as long as the test process.
        return services.BuildServiceProvider().GetRequiredService<TriggerParser>();
    }

    /// <summary>A parser over every registered source, its options bound from <paramref name="configuration"/> as the host binds them.</summary>
    public static TriggerParser Parser(IDictionary<string, string?> configuration)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build());
        services.AddSignalSources().AddTriggerParser();
        return services.BuildServiceProvider().GetRequiredService<TriggerParser>();
    }

    /// <summary>Parses as the KEDA door does (KEDA's own keys ignored).</summary>
    public static bool TryParse(ScaledObjectKey scaledObject, IReadOnlyDictionary<string, string> metadata, RabbitMqCredentialsOptions brokers, [NotNullWhen(true)] out Trigger? trigger, out IReadOnlyList<string> errors)
    {
        var parser = brokers.Brokers.Count == 0 ? Default.Value : Parser(brokers);
        return parser.TryParse(scaledObject, metadata, KedaMetadataKeys.Ignored, out trigger, out errors);
    }

    /// <summary>Every key the parser knows.</summary>
    public static TriggerKeyCatalog Keys => Default.Value.Keys;

    /// <summary>A trigger's signals in order, each with what is read for it.</summary>
    public static IReadOnlyList<(SignalSpec Spec, SignalQuery Query)> Signals(Trigger trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return [.. trigger.Policy.Signals.Select(spec => (spec, trigger.Queries[spec.Name]))];
    }
}
