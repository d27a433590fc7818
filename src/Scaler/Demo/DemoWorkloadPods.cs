using Scaler.Signals.Kubernetes;

namespace Scaler.Demo;

/// <summary>
/// The Kubernetes view the Scaler's sources and door read, answered from the simulated deployment instead of
/// watch caches: the demo's pods for its ScaledObject, the exporter pod of each GPU node, and the scale target.
/// Any other workload is unknown, with the reason.
/// </summary>
internal sealed class DemoWorkloadPods(DemoDeployment deployment, TimeProvider time) : IWorkloadPods
{
    public const string ExporterNamespace = "gpu-operator";

    public PodSet GetPods(WorkloadRef workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        if (workload.Namespace != DemoScaledObject.Namespace || workload.Name != DemoScaledObject.Name)
        {
            return PodSet.Unknown($"the demo runs one workload, {DemoScaledObject.Namespace}/{DemoScaledObject.Name}; it has no pods for {workload.Namespace}/{workload.Name}");
        }

        var pods = deployment.Pods().Select(p => new WorkloadPod(DemoScaledObject.Namespace, p.Name, p.Node, p.Address?.ToString(), p.Ready)).ToList();
        return new PodSet(pods, null, time.GetUtcNow());
    }

    public PodSet GetExporters(IReadOnlyCollection<string> nodeNames)
    {
        ArgumentNullException.ThrowIfNull(nodeNames);
        var exporters = deployment.Nodes
            .Where(n => nodeNames.Contains(n.Name))
            .Select(n => new WorkloadPod(ExporterNamespace, n.ExporterPod, n.Name, n.ExporterAddress.ToString(), true))
            .ToList();
        return new PodSet(exporters, null, time.GetUtcNow());
    }

    public ScaleTarget? GetScaleTarget(string @namespace, string scaledObject) =>
        @namespace == DemoScaledObject.Namespace && scaledObject == DemoScaledObject.Name
            ? new ScaleTarget("apps/v1", "Deployment", DemoScaledObject.Namespace, DemoScaledObject.Target, null)
            : null;
}
