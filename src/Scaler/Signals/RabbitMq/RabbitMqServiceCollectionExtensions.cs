using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Scaler.Signals.RabbitMq;

internal static class RabbitMqServiceCollectionExtensions
{
    /// <summary>
    /// Registers the RabbitMQ source as <see cref="ISignalSource{TQuery}"/> of <see cref="RabbitMqQuery"/>, its
    /// <see cref="RabbitMqConnectionPool"/> and management HTTP client, and <see cref="RabbitMqOptions"/> and
    /// <see cref="RabbitMqCredentialsOptions"/> bound from <c>Signals:RabbitMq</c> (validated at start).
    /// Uses TryAdd*, so tests can register their own parts first.
    /// </summary>
    public static IServiceCollection AddRabbitMqSignals(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<RabbitMqOptions>().BindConfiguration(RabbitMqOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RabbitMqOptions>, RabbitMqOptionsValidator>());
        services.AddOptions<RabbitMqCredentialsOptions>().BindConfiguration(RabbitMqOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RabbitMqCredentialsOptions>, RabbitMqCredentialsOptionsValidator>());

        services.AddHttpClient(RabbitMqManagementClient.HttpClientName)
            // Four Information lines per read of every queue would drown the log; the source logs what goes wrong.
            .RemoveAllLoggers()
            .ConfigureHttpClient((sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                http.Timeout = options.RequestTimeout;
                // A queue object is a few KiB; a larger answer is not the management API.
                http.MaxResponseContentBufferSize = 1024 * 1024;
            })
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                ConnectTimeout = sp.GetRequiredService<IOptions<RabbitMqOptions>>().Value.ConnectTimeout,
                // A redirect would carry the Authorization header's purpose elsewhere: report it instead.
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RabbitMqConnectionPool>();
        services.TryAddSingleton<RabbitMqManagementClient>();
        services.TryAddSingleton<RabbitMqSource>();
        services.TryAddSingleton<ISignalSource<RabbitMqQuery>>(sp => sp.GetRequiredService<RabbitMqSource>());

        // Read through the shared cache and resilience pipeline (the registration above stays: one source instance).
        return services
            .AddSignalSource<RabbitMqQuery, RabbitMqSource>(RabbitMqQuery.SourceName, o => o.RefreshInterval = TimeSpan.FromSeconds(5))
            .AddTriggerKeys<RabbitMqTriggerKeys>();
    }
}
