using Scaler.FrontDoors.MetricsApi;

namespace Scaler.Tests.FrontDoors.MetricsApi;

/// <summary>The paths the HPA and kubectl send (reference custom-metrics-hpa.md 1.1), parsed.</summary>
public sealed class MetricsApiRequestTests
{
    [Theory]
    // Discovery.
    [InlineData("/apis", false, "Groups", null, null, null, null)]
    [InlineData("/apis/custom.metrics.k8s.io", false, "Group", null, null, null, null)]
    [InlineData("/apis/custom.metrics.k8s.io/v1beta1", false, "Resources", null, null, null, null)]
    // The HPA's Pods metric: every pod the selector selects (kubectl's %2A arrives decoded).
    [InlineData("/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/pods/*/DCGM_FI_DEV_GPU_UTIL", false, "Pods", "llm", "pods", "*", "DCGM_FI_DEV_GPU_UTIL")]
    // One pod.
    [InlineData("/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/pods/vllm-0/inference_queue_size", false, "Pods", "llm", "pods", "vllm-0", "inference_queue_size")]
    // An Object metric on a group-qualified resource.
    [InlineData("/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/deployments.apps/llama/scaler_desired_replicas", false, "Object", "llm", "deployments.apps", "llama", "scaler_desired_replicas")]
    // External metrics only when switched on.
    [InlineData("/apis/external.metrics.k8s.io/v1beta1/namespaces/llm/scaler_desired_replicas", true, "External", "llm", null, null, "scaler_desired_replicas")]
    [InlineData("/apis/external.metrics.k8s.io/v1beta1/namespaces/llm/scaler_desired_replicas", false, "Unknown", null, null, null, null)]
    // Namespace metrics, root-scoped objects, unknown versions and other groups are not served.
    [InlineData("/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/metrics/queue", false, "Unknown", "", "", "", "")]
    [InlineData("/apis/custom.metrics.k8s.io/v1beta2/nodes/gpu-a/gpu_util", false, "Unknown", "", "", "", "")]
    [InlineData("/apis/custom.metrics.k8s.io/v1/namespaces/llm/pods/*/x", false, "Unknown", null, null, null, null)]
    [InlineData("/apis/metrics.k8s.io/v1beta1", false, "Unknown", null, null, null, null)]
    [InlineData("/api/v1/pods", false, "Unknown", null, null, null, null)]
    public void Parse_Path_KindAndSegments(string path, bool external, string kind, string? ns, string? resource, string? name, string? metric)
    {
        var request = MetricsApiRequest.Parse(path, external);

        Assert.Equal(kind, request.Kind.ToString());
        if (ns != "")
        {
            Assert.Equal((ns, resource, name, metric), (request.Namespace, request.Resource, request.Name, request.Metric));
        }
    }

    [Fact]
    public void Parse_SegmentLongerThanAnyKubernetesName_UnknownAndNotKept()
    {
        var longest = new string('a', MetricsApiRequest.MaxSegment);
        var tooLong = longest + "a";

        var served = MetricsApiRequest.Parse($"/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/deployments.apps/{longest}/scaler_desired_replicas", false);
        var refused = MetricsApiRequest.Parse($"/apis/custom.metrics.k8s.io/v1beta2/namespaces/llm/deployments.apps/{tooLong}/scaler_desired_replicas", false);

        Assert.Equal((MetricsApiRequestKind.Object, longest), (served.Kind, served.Name));
        Assert.Equal((MetricsApiRequestKind.Unknown, null), (refused.Kind, refused.Name));
    }
}
