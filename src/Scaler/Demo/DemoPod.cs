using System.Net;

namespace Scaler.Demo;

/// <summary>A simulated pod of the deployment: the replica it runs, where it runs, and whether it serves.</summary>
/// <param name="Name">The pod name, ReplicaSet-style.</param>
/// <param name="Address">Its own loopback address; null while none is free (the pod has no IP yet).</param>
/// <param name="Node">The GPU node it runs on; null while no GPU is free (Pending).</param>
/// <param name="GpuUuid">The GPU it holds; null while Pending.</param>
/// <param name="Ready">Started and serving.</param>
internal sealed record DemoPod(string Name, IPAddress? Address, string? Node, string? GpuUuid, bool Ready);
