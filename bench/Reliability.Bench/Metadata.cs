using Scaler.FrontDoors.Keda.Protocol;

namespace Reliability.Bench;

/// <summary>The trigger metadata the bench's ScaledObjects carry: pending requests from the loopback Prometheus (12, target 5: 3 replicas).</summary>
internal static class Metadata
{
    public static ScaledObjectRef ScaledObject(Uri prometheus, string name, string @namespace = "bench")
    {
        var reference = new ScaledObjectRef { Name = name, Namespace = @namespace };
        reference.ScalerMetadata.Add("scalerAddress", "scaler.scaler-system:9090");
        reference.ScalerMetadata.Add("prometheusAddress", prometheus.GetLeftPart(UriPartial.Authority));
        reference.ScalerMetadata.Add("pendingRequestsQuery", $"sum(vllm:num_requests_waiting{{namespace=\"{@namespace}\",model=\"{name}\"}})");
        reference.ScalerMetadata.Add("pendingRequestsTarget", "5");
        reference.ScalerMetadata.Add("maxReplicas", "8");
        reference.ScalerMetadata.Add("scaleUpLimit", "10/60s");
        return reference;
    }
}
