using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Scaler.Triggers;

/// <summary>
/// How many triggers one Scaler keeps deciding for, and for how long an unasked one is kept (configuration
/// section <c>Scaler:Triggers</c>): a shared Scaler serves many teams, and one namespace's runaway generator
/// must not take the memory or the decisions of the others.
/// </summary>
internal sealed class TriggerLimitsOptions
{
    public const string Section = "Scaler:Triggers";

    /// <summary>Most triggers decided for at once, all namespaces together; a new one beyond it is refused (RESOURCE_EXHAUSTED) until one is forgotten. Default 5,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxLive { get; set; } = 5_000;

    /// <summary>Most triggers decided for at once in one namespace: no one namespace can take every place. Default 2,500.</summary>
    [Range(1, 1_000_000)]
    public int MaxLivePerNamespace { get; set; } = 2_500;

    /// <summary>
    /// A trigger nobody asked about for this long is forgotten: its engine state, last decision, metric series
    /// and place under the limits (KEDA asks every polling interval, 30 s by default; an open push stream
    /// re-decides at least every 5 s). Default 15 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan ForgetAfter { get; set; } = TimeSpan.FromMinutes(15);
}

[OptionsValidator]
internal sealed partial class TriggerLimitsOptionsValidator : IValidateOptions<TriggerLimitsOptions>;
