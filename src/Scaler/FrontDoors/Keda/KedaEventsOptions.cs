using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// Kubernetes Events for decisions (configuration section <c>Scaler:Events</c>). The defaults follow
/// client-go's event recorder: repeats within 10 minutes join one event's series, and each involved object
/// has a token bucket of 25 writes refilled one per 5 minutes. See docs/keda-events.md.
/// </summary>
internal sealed class KedaEventsOptions
{
    public const string SectionName = "Scaler:Events";

    private const string QualifiedName = @"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";

    /// <summary>Write events at all. Default true (out of a cluster there are none either way).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Events waiting to be written; when full the oldest is dropped and counted. Default 1000.</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 1000;

    /// <summary>A repeat of the same event (object, type, reason, trigger, change) within this long of its last occurrence updates that event's series instead of creating a new one. Default 10 min.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan AggregationWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Writes an involved object may make at once (token bucket size). Default 25.</summary>
    [Range(1, 10_000)]
    public int Burst { get; set; } = 25;

    /// <summary>One token comes back this often. Default 5 min.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan RefillInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The event's <c>reportingController</c>, a qualified name (<c>prefix/name</c>). Default <c>scaler.ai/scaler</c>.</summary>
    [Required]
    [RegularExpression(QualifiedName, ErrorMessage = "Scaler:Events:ReportingController must be a qualified name such as scaler.ai/scaler (an optional DNS subdomain prefix and '/', then 1-63 characters [A-Za-z0-9._-] starting and ending alphanumeric)")]
    public string ReportingController { get; set; } = "scaler.ai/scaler";

    /// <summary>The event's <c>reportingInstance</c> (at most 128 characters). Default null: <c>$POD_NAME</c> (set by the Deployment from the downward API), else the host name.</summary>
    [MaxLength(128)]
    public string? ReportingInstance { get; set; }

    /// <summary>Longest wait for one create or patch. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:05:00")]
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The first event of a namespace waits up to this long for the ScaledObject cache (started by asking) to name the scale target; after it, the ScaledObject is the involved object. Default 2 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan TargetWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary><see cref="ReportingInstance"/>, or its default.</summary>
    public string Instance
    {
        get
        {
            var instance = !string.IsNullOrWhiteSpace(ReportingInstance) ? ReportingInstance
                : Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod
                : Environment.MachineName;
            return instance.Length <= 128 ? instance : instance[..128];
        }
    }
}

[OptionsValidator]
internal sealed partial class KedaEventsOptionsValidator : IValidateOptions<KedaEventsOptions>;
