using Scaler.Signals.Kubernetes;

namespace Scaler.Tests.Signals.GpuFleet;

/// <summary>
/// An <see cref="IWorkloadPods"/> answering what the test sets: the workload's pods and the exporter pods
/// (all at 127.0.0.1: the sources' endpoint resolvers send each to its own loopback port or path).
/// </summary>
internal sealed class StaticWorkloadPods : IWorkloadPods
{
    public PodSet Pods { get; set; } = new([], null, null);

    public PodSet Exporters { get; set; } = new([], null, null);

    public List<IReadOnlyCollection<string>> ExporterQueries { get; } = [];

    public static WorkloadPod Pod(string name, string? node = "gpu-a", bool ready = true, string ns = "llm") =>
        new(ns, name, node, "127.0.0.1", ready);

    public static WorkloadPod Exporter(string node, bool ready = true) =>
        new("gpu-system", $"nvml-exporter-{node}", node, "127.0.0.1", ready);

    public StaticWorkloadPods WithPods(params WorkloadPod[] pods)
    {
        Pods = new PodSet(pods, null, DateTimeOffset.UnixEpoch);
        return this;
    }

    public StaticWorkloadPods WithExporters(params WorkloadPod[] exporters)
    {
        Exporters = new PodSet(exporters, null, DateTimeOffset.UnixEpoch);
        return this;
    }

    public PodSet GetPods(WorkloadRef workload) => Pods;

    public PodSet GetExporters(IReadOnlyCollection<string> nodeNames)
    {
        ExporterQueries.Add([.. nodeNames]);
        return Exporters.IsKnown
            ? Exporters with { Pods = [.. Exporters.Pods.Where(p => p.NodeName is { } n && nodeNames.Contains(n))] }
            : Exporters;
    }
}
