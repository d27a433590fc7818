using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Scaler.Triggers;

internal static class TriggersServiceCollectionExtensions
{
    /// <summary>The trigger parser, over the trigger keys the registered sources bring (<c>AddTriggerKeys</c>).</summary>
    public static IServiceCollection AddTriggerParser(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<TriggerParser>();
        return services;
    }
}
