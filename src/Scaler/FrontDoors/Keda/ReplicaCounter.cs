using Microsoft.Extensions.Logging;
using Scaler.Decisions;
using Scaler.Signals.Kubernetes;
using Scaler.Triggers;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// The replica counts a decision starts from: the workload's pods from the watch caches; out of a cluster (or
/// before the caches are synced) the door's own last answer, all ready as far as anyone can tell, said once in
/// the log.
/// </summary>
internal sealed partial class ReplicaCounter(IWorkloadPods pods, ILogger<ReplicaCounter> log)
{
    private int _fromOwnDecisionsLogged;

    public ReplicaCounts Count(Trigger trigger, Decision? last)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var set = pods.GetPods(trigger.Workload);
        if (set.IsKnown)
        {
            return new ReplicaCounts(set.Pods.Count, set.Pods.Count(p => p.Ready));
        }

        if (Interlocked.Exchange(ref _fromOwnDecisionsLogged, 1) == 0)
        {
            LogReplicasFromOwnDecisions(log, set.UnavailableReason ?? "unknown");
        }

        var count = last?.DesiredReplicas ?? trigger.Policy.MinReplicas;
        return new ReplicaCounts(count, count);
    }

    [LoggerMessage(EventId = 651, Level = LogLevel.Warning, Message = "Replica counts are not available from Kubernetes ({Reason}); taking the scaler's own last decision as the current count")]
    private static partial void LogReplicasFromOwnDecisions(ILogger logger, string reason);
}
