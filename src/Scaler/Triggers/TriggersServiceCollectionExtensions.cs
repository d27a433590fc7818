using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scaler.Durations;

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

    /// <summary>
    /// The limits on live triggers (<see cref="TriggerLimitsOptions"/>, section <c>Scaler:Triggers</c>, validated
    /// at start) and the <see cref="TriggerAdmission"/> that counts them, for whoever keeps per-trigger state.
    /// </summary>
    public static IServiceCollection AddTriggerLimits(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        DurationConverter.Register();
        services.AddOptions<TriggerLimitsOptions>().BindConfiguration(TriggerLimitsOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TriggerLimitsOptions>, TriggerLimitsOptionsValidator>());
        services.TryAddSingleton(Prometheus.Metrics.DefaultRegistry);
        services.TryAddSingleton<TriggerAdmission>();
        return services;
    }
}
