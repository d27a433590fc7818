using Kubelet.PodResources.V1;

namespace NvmlExporter.Attribution;

/// <summary>Where pod resources come from: the kubelet's pod-resources API, or a fake in tests.</summary>
public interface IPodResourcesSource
{
    /// <summary>What the source reads, for log lines (the socket path).</summary>
    string Address { get; }

    /// <summary>One <c>List</c>. Never throws for upstream failures: they come back as a non-<see cref="PodResourcesStatus.Ok"/> reading.</summary>
    Task<PodResourcesReading> ListAsync(CancellationToken cancellationToken);
}

/// <summary>How one <c>List</c> went.</summary>
public enum PodResourcesStatus
{
    /// <summary>The kubelet answered; <see cref="PodResourcesReading.Response"/> holds the answer.</summary>
    Ok,

    /// <summary>There is no socket at the configured path (directory not mounted, or the kubelet is not serving it).</summary>
    SocketAbsent,

    /// <summary>The socket exists but connecting was refused by the file system: it is root-only.</summary>
    PermissionDenied,

    /// <summary>The call failed (kubelet down or restarting, deadline exceeded, protocol error).</summary>
    Failed,
}

/// <summary>The outcome of one <c>List</c>: the answer, or why there is none.</summary>
public sealed record PodResourcesReading(PodResourcesStatus Status, ListPodResourcesResponse? Response, string? Error)
{
    public static PodResourcesReading Ok(ListPodResourcesResponse response) => new(PodResourcesStatus.Ok, response, null);

    public static PodResourcesReading Failure(PodResourcesStatus status, string error) => new(status, null, error);
}
