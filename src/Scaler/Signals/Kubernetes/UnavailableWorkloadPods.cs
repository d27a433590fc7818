using Microsoft.Extensions.Logging;

namespace Scaler.Signals.Kubernetes;

/// <summary><see cref="IWorkloadPods"/> when there is no cluster: every answer is unknown with the reason, logged once.</summary>
internal sealed partial class UnavailableWorkloadPods : IWorkloadPods
{
    private readonly string _reason;

    public UnavailableWorkloadPods(string reason, ILogger<UnavailableWorkloadPods> logger)
    {
        _reason = reason;
        LogNoCluster(logger, reason);
    }

    public PodSet GetPods(WorkloadRef workload) => PodSet.Unknown(_reason);

    public PodSet GetExporters(IReadOnlyCollection<string> nodeNames) => PodSet.Unknown(_reason);

    [LoggerMessage(EventId = 406, Level = LogLevel.Warning, Message = "Kubernetes workload resolution is off ({Reason}); every pod and exporter answer is unknown, so the GPU and inference-server signals are unavailable")]
    private static partial void LogNoCluster(ILogger logger, string reason);
}
