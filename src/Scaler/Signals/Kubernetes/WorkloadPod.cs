namespace Scaler.Signals.Kubernetes;

/// <summary>A pod as the watch cache knows it.</summary>
internal sealed record WorkloadPod(string Namespace, string Name, string? NodeName, string? PodIp, bool Ready);
