using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scaler.Durations;

namespace Scaler.Leadership;

internal static class LeadershipServiceCollectionExtensions
{
    /// <summary>
    /// Who decides (<see cref="Leadership"/>; options <c>Scaler:Leadership</c>, validated at start), the seam every
    /// front door asks (<see cref="LeaderDecisions"/>), the follower's peer client, and with an election the Lease
    /// elector (<see cref="LeaseElection"/>; it needs the <c>KubernetesCluster</c> that <c>AddKubernetesWorkloads</c>
    /// registers). The door registers its <see cref="ITriggerDecider"/>.
    /// </summary>
    public static IServiceCollection AddLeadership(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        DurationConverter.Register();
        services.AddOptions<LeadershipOptions>().BindConfiguration(LeadershipOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LeadershipOptions>, LeadershipOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<Leadership>();
        services.TryAddSingleton<PeerClient>();
        services.TryAddSingleton<LeaderDecisions>();
        services.AddHttpClient(PeerClient.HttpClientName, static http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
                ConnectTimeout = TimeSpan.FromSeconds(1),
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers();
        services.TryAddSingleton<LeaseElection>();
        services.AddHostedService(static sp => sp.GetRequiredService<LeaseElection>());
        return services;
    }
}
