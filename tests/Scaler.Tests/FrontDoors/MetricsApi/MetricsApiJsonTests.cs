using System.Text;
using System.Text.Json;
using Scaler.FrontDoors.MetricsApi;

namespace Scaler.Tests.FrontDoors.MetricsApi;

/// <summary>The wire shapes, byte for byte against the reference's examples (custom-metrics-hpa.md 1.3, 1.5, 1.8).</summary>
public sealed class MetricsApiJsonTests
{
    private static readonly DateTimeOffset At = new(2026, 5, 1, 12, 0, 0, 400, TimeSpan.Zero);

    [Fact]
    public void MetricValueList_V1Beta2_ReferenceShape()
    {
        var json = Write(w => MetricsApiJson.MetricValueList(w, "v1beta2", "gpu_util", null, "llm", At, [new("Pod", "v1", "vllm-0", 0.73)]));

        // The reference example less its windowSeconds (our gauges are instantaneous; the field is optional).
        Assert.Equal("""{"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta2","metadata":{},"items":[{"describedObject":{"kind":"Pod","namespace":"llm","name":"vllm-0","apiVersion":"v1"},"metric":{"name":"gpu_util","selector":null},"timestamp":"2026-05-01T12:00:00Z","value":"730m"}]}""", json);
    }

    [Fact]
    public void MetricValueList_V1Beta1_FlatMetricNameAndItemSelector()
    {
        var json = Write(w => MetricsApiJson.MetricValueList(w, "v1beta1", "inference_queue_size", new Dictionary<string, string> { ["server"] = "tgi" }, "llm", At, [new("Pod", "v1", "tgi-0", 12)]));

        Assert.Equal("""{"kind":"MetricValueList","apiVersion":"custom.metrics.k8s.io/v1beta1","metadata":{},"items":[{"describedObject":{"kind":"Pod","namespace":"llm","name":"tgi-0","apiVersion":"v1"},"metricName":"inference_queue_size","timestamp":"2026-05-01T12:00:00Z","value":"12","selector":{"matchLabels":{"server":"tgi"}}}]}""", json);
    }

    [Fact]
    public void ExternalMetricValueList_ReferenceShape()
    {
        var json = Write(w => MetricsApiJson.ExternalMetricValueList(w, "queue_depth", new Dictionary<string, string> { ["model"] = "llama" }, At, 42));

        Assert.Equal("""{"kind":"ExternalMetricValueList","apiVersion":"external.metrics.k8s.io/v1beta1","metadata":{},"items":[{"metricName":"queue_depth","metricLabels":{"model":"llama"},"timestamp":"2026-05-01T12:00:00Z","value":"42"}]}""", json);
    }

    [Fact]
    public void Status_NotFound_ReferenceShape()
    {
        var json = Write(w => MetricsApiJson.Status(w, 404, "NotFound", "the server could not find the metric gpu_util for pods"));

        Assert.Equal("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the metric gpu_util for pods","reason":"NotFound","code":404}""", json);
    }

    [Fact]
    public void ApiGroupAndResourceList_DiscoveryShapes()
    {
        var group = Write(w => MetricsApiJson.ApiGroup(w, "custom.metrics.k8s.io", ["v1beta2", "v1beta1"]));
        var list = Write(w => MetricsApiJson.ApiResourceList(w, "custom.metrics.k8s.io/v1beta2", "MetricValueList", ["pods/gpu_util"]));

        Assert.Equal("""{"kind":"APIGroup","apiVersion":"v1","name":"custom.metrics.k8s.io","versions":[{"groupVersion":"custom.metrics.k8s.io/v1beta2","version":"v1beta2"},{"groupVersion":"custom.metrics.k8s.io/v1beta1","version":"v1beta1"}],"preferredVersion":{"groupVersion":"custom.metrics.k8s.io/v1beta2","version":"v1beta2"}}""", group);
        Assert.Equal("""{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"custom.metrics.k8s.io/v1beta2","resources":[{"name":"pods/gpu_util","singularName":"","namespaced":true,"kind":"MetricValueList","verbs":["get"]}]}""", list);
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
