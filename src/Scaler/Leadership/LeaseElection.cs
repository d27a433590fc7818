using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scaler.Signals.Kubernetes;

namespace Scaler.Leadership;

/// <summary>
/// Elects one decision-maker among the replicas through a Kubernetes Lease, with KubernetesClient's leader
/// election (acquire, renew within <see cref="LeadershipOptions.RenewDeadline"/>, take over a Lease not renewed
/// for <see cref="LeadershipOptions.LeaseDuration"/>; conflicting writes lose on the Lease's resourceVersion).
/// It tells <see cref="Leadership"/> when this replica starts and stops leading and who leads. When the API
/// server cannot be reached the leader stops deciding at its next failed renewal (it cannot know whether
/// another replica took over), and every replica tries again every <see cref="LeadershipOptions.RetryPeriod"/>.
/// On shutdown a leader gives the Lease up, so the other replica takes over within a retry period.
/// </summary>
internal sealed partial class LeaseElection(
    Leadership leadership,
    KubernetesCluster cluster,
    IOptions<LeadershipOptions> options,
    TimeProvider time,
    ILogger<LeaseElection> log) : BackgroundService
{
    private readonly LeadershipOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            // No election: the process leads from its start (Leadership).
            return;
        }

        if (cluster.Client is not { } client)
        {
            LogNoCluster(log, cluster.UnavailableReason ?? KubernetesCluster.NoClusterReason);
            return;
        }

        var identity = leadership.Self!.ToString();
        var config = new LeaderElectionConfig(new LeaseLock(client, _options.LeaseNamespace, _options.LeaseName, identity))
        {
            LeaseDuration = _options.LeaseDuration,
            RenewDeadline = _options.RenewDeadline,
            RetryPeriod = _options.RetryPeriod,
        };
        while (!stoppingToken.IsCancellationRequested)
        {
            using var elector = new LeaderElector(config);
            elector.OnStartedLeading += leadership.StartedLeading;
            elector.OnStoppedLeading += leadership.StoppedLeading;
            elector.OnNewLeader += leadership.Observed;
            elector.OnError += e =>
            {
                if (!stoppingToken.IsCancellationRequested)
                {
                    LogElectionError(log, e.GetType().Name, e.Message);
                }
            };
            try
            {
                await elector.RunUntilLeadershipLostAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // The API server down or refusing: not leading, and trying again after a retry period.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                leadership.StoppedLeading();
                LogElectionError(log, exception.GetType().Name, exception.Message);
            }

            try
            {
                await Task.Delay(_options.RetryPeriod, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        // Whether it still led when the stop came is the Lease's to say (the elector may have stopped leading first).
        leadership.StoppedLeading();
        await ReleaseAsync(client, identity).ConfigureAwait(false);
    }

    /// <summary>Gives the Lease up (an empty holder) if this replica holds it, so another need not wait for it to expire. Best effort.</summary>
    private async Task ReleaseAsync(IKubernetes client, string identity)
    {
        using var timeout = new CancellationTokenSource(_options.RetryPeriod, time);
        try
        {
            var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(_options.LeaseName, _options.LeaseNamespace, cancellationToken: timeout.Token).ConfigureAwait(false);
            if (lease.Spec?.HolderIdentity != identity)
            {
                return;
            }

            // Empty, not absent: the elector treats a Lease without a holder field as one to create, not to take.
            lease.Spec.HolderIdentity = "";
            lease.Spec.LeaseDurationSeconds = 1;
            await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, _options.LeaseName, _options.LeaseNamespace, cancellationToken: timeout.Token).ConfigureAwait(false);
            LogReleased(log, _options.LeaseNamespace!, _options.LeaseName);
        }
#pragma warning disable CA1031 // Shutting down: the Lease expires by itself if it cannot be given up.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogReleaseFailed(log, exception.GetType().Name, exception.Message);
        }
    }

    [LoggerMessage(EventId = 810, Level = LogLevel.Error, Message = "Leader election is on but there is no Kubernetes API ({Reason}); this replica never leads")]
    private static partial void LogNoCluster(ILogger logger, string reason);

    [LoggerMessage(EventId = 811, Level = LogLevel.Warning, Message = "Leader election: {Kind}: {Message}; trying again")]
    private static partial void LogElectionError(ILogger logger, string kind, string message);

    [LoggerMessage(EventId = 812, Level = LogLevel.Information, Message = "Gave up the Lease {Namespace}/{Name} on shutdown")]
    private static partial void LogReleased(ILogger logger, string @namespace, string name);

    [LoggerMessage(EventId = 813, Level = LogLevel.Warning, Message = "Could not give up the Lease on shutdown ({Kind}: {Message}); it expires by itself")]
    private static partial void LogReleaseFailed(ILogger logger, string kind, string message);
}
