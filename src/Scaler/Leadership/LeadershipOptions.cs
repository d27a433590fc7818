using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Scaler.Leadership;

/// <summary>
/// Whether replicas elect one decision-maker through a Kubernetes Lease, and how (configuration section
/// <c>Scaler:Leadership</c>; docs/availability.md). Off, the process decides alone (one replica, a laptop, the
/// tests). The deployment turns it on and passes the pod's name, namespace and address from the downward API.
/// </summary>
internal sealed class LeadershipOptions : IValidatableObject
{
    public const string Section = "Scaler:Leadership";

    /// <summary>Elect a leader through a Lease; the other replicas forward to it. Default false (decide alone).</summary>
    public bool Enabled { get; set; }

    /// <summary>The Lease's name. Default <c>scaler-leader</c>.</summary>
    public string LeaseName { get; set; } = "scaler-leader";

    /// <summary>The Lease's namespace: the Scaler's own (the deployment passes <c>POD_NAMESPACE</c>). Required when enabled.</summary>
    public string? LeaseNamespace { get; set; }

    /// <summary>This replica's name in the Lease (the deployment passes <c>POD_NAME</c>). Required when enabled.</summary>
    public string? Identity { get; set; }

    /// <summary>
    /// Where the other replicas reach this one's peer port, such as <c>http://10.1.2.3:9091</c> (the deployment
    /// builds it from <c>POD_IP</c>). Written into the Lease with the identity. Required when enabled.
    /// </summary>
    public Uri? PeerAddress { get; set; }

    /// <summary>
    /// How long a Lease not renewed stays the holder's: a replica that sees it unrenewed for this long takes it
    /// over. Failover after a leader dies takes about this long. Default 15 s (client-go's default).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it stops deciding. Default 10 s; below <see cref="LeaseDuration"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a replica tries to acquire or renew the Lease. Default 2 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a forwarded decision may take before the follower answers "cannot decide". Default 2 s (inside KEDA's 3 s budget).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:30")]
    public TimeSpan ForwardTimeout { get; set; } = TimeSpan.FromSeconds(2);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(LeaseNamespace))
        {
            yield return new ValidationResult($"{Section}:{nameof(LeaseNamespace)} is required with {Section}:{nameof(Enabled)}: the Scaler's namespace, such as scaler-system (the deployment passes POD_NAMESPACE)", [nameof(LeaseNamespace)]);
        }

        if (string.IsNullOrWhiteSpace(Identity) || Identity.Contains(' ', StringComparison.Ordinal))
        {
            yield return new ValidationResult($"{Section}:{nameof(Identity)} is required with {Section}:{nameof(Enabled)}: this replica's pod name, without spaces (the deployment passes POD_NAME)", [nameof(Identity)]);
        }

        if (PeerAddress is not { IsAbsoluteUri: true } || PeerAddress.Scheme != Uri.UriSchemeHttp)
        {
            yield return new ValidationResult($"{Section}:{nameof(PeerAddress)} is required with {Section}:{nameof(Enabled)}: an http:// URL the other replicas reach this one's peer port at, such as http://10.1.2.3:9091", [nameof(PeerAddress)]);
        }

        if (RenewDeadline >= LeaseDuration)
        {
            yield return new ValidationResult($"{Section}:{nameof(RenewDeadline)} ({RenewDeadline}) must be shorter than {nameof(LeaseDuration)} ({LeaseDuration}): the leader must stop deciding before another replica may take over", [nameof(RenewDeadline)]);
        }

        if (RetryPeriod >= RenewDeadline)
        {
            yield return new ValidationResult($"{Section}:{nameof(RetryPeriod)} ({RetryPeriod}) must be shorter than {nameof(RenewDeadline)} ({RenewDeadline})", [nameof(RetryPeriod)]);
        }
    }
}

[OptionsValidator]
internal sealed partial class LeadershipOptionsValidator : IValidateOptions<LeadershipOptions>;
