using Microsoft.Extensions.Logging.Testing;
using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scaler.Signals;
using Scaler.Signals.RabbitMq;

namespace Scaler.Tests.Signals.RabbitMq;

/// <summary>The RabbitMQ source as the scaler registers it (<see cref="RabbitMqServiceCollectionExtensions.AddRabbitMqSignals"/>), with every log line captured.</summary>
internal sealed class RabbitMqTestHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public RabbitMqTestHost(IDictionary<string, string?>? configuration = null, TimeProvider? time = null)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Signals:RabbitMq:NetworkRecoveryInterval"] = "00:00:00.500",
            ["Signals:RabbitMq:ConnectTimeout"] = "00:00:03",
        };
        foreach (var (key, value) in configuration ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddRabbitMqSignals();
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public FakeLoggerProvider Logs { get; } = new();

    public ISignalSource<RabbitMqQuery> Source => _services.GetRequiredService<ISignalSource<RabbitMqQuery>>();

    public RabbitMqSource RabbitMqSource => _services.GetRequiredService<RabbitMqSource>();

    public RabbitMqConnectionPool Pool => _services.GetRequiredService<RabbitMqConnectionPool>();

    /// <summary>The reading cache in front of the source, with its circuits (as the front doors read).</summary>
    public ReadingCache Cache => _services.GetRequiredService<ReadingCache>();

    public RabbitMqCredentialsOptions Credentials => _services.GetRequiredService<Microsoft.Extensions.Options.IOptions<RabbitMqCredentialsOptions>>().Value;

    public RabbitMqQuery Query(params (string Key, string Value)[] metadata) =>
        RabbitMqQuery.Parse(metadata.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), Credentials);

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
