using System.Text.Json;
using Deploy.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Scaler.FrontDoors.Keda;
using Scaler.Hosting;
using Scaler.Signals;
using Scaler.Triggers;

namespace Deploy.Tests.Examples;

/// <summary>deploy/examples read the way KEDA and the Scaler would read them.</summary>
public sealed class ExampleTests
{
    public static TheoryData<string, string> ScaledObjects => new()
    {
        { "deploy/examples/vllm-keda", "llama" },
        { "deploy/examples/triton-keda", "triton" },
        { "deploy/examples/kserve-keda", "qwen" },
        { "deploy/examples/leaderworkerset", "llama-405b" },
        { "deploy/examples/keda-grpc-tls", "llama" },
    };

    private static Dictionary<string, string> Metadata(JsonElement trigger) =>
        trigger.At("metadata").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(ScaledObjects))]
    public void ScaledObject_PushTriggerOnTheScaler_MetadataTheScalerAccepts(string directory, string name)
    {
        var scaledObject = Kustomize.Render(directory).One("ScaledObject", name);
        var trigger = Assert.Single(scaledObject.Items("spec.triggers"));
        var metadata = Metadata(trigger);
        var service = Kustomize.Render("deploy/scaler/base").One("Service", "scaler");

        Assert.Equal("external-push", trigger.Text("type"));
        Assert.Equal($"scaler.scaler-system.svc:{service.Named("spec.ports", "grpc").At("port").GetInt32()}", metadata["scalerAddress"]);
        // The Scaler's own parser, as its registration builds it (every source's keys).
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddSignalSources().AddTriggerParser();
        using var provider = services.BuildServiceProvider();
        Assert.True(
            provider.GetRequiredService<TriggerParser>().TryParse(new ScaledObjectKey(scaledObject.Text("metadata.namespace")!, name), metadata, KedaMetadataKeys.Ignored, out var spec, out var errors),
            $"{directory}: {string.Join("; ", errors)}");
        // KEDA's bounds agree with the engine's (docs/keda-metadata.md).
        Assert.Equal(spec.Policy.MinReplicas, scaledObject.At("spec.minReplicaCount").GetInt32());
        Assert.True(scaledObject.At("spec.maxReplicaCount").GetInt32() >= spec.Policy.MaxReplicas);
        Assert.Null(scaledObject.Find("spec.advanced.horizontalPodAutoscalerConfig.behavior.idleReplicaCount"));
        Assert.Null(scaledObject.Find("spec.idleReplicaCount"));
        if (spec.Policy.FallbackReplicas is { } fallback)
        {
            Assert.Equal(fallback, scaledObject.At("spec.fallback.replicas").GetInt32());
        }
    }

    [Theory]
    [MemberData(nameof(ScaledObjects))]
    public void ScaledObject_HpaBehaviour_DoesNotStabiliseASecondTime(string directory, string name)
    {
        var behavior = Kustomize.Render(directory).One("ScaledObject", name).At("spec.advanced.horizontalPodAutoscalerConfig.behavior");

        Assert.All(["scaleUp", "scaleDown"], direction =>
        {
            Assert.Equal(0, behavior.At($"{direction}.stabilizationWindowSeconds").GetInt32());
            Assert.NotEmpty(behavior.Items($"{direction}.policies"));
        });
        // Scale-down may remove everything at once: the engine's own limits already paced it.
        Assert.Contains(behavior.Items("scaleDown.policies"), p => p.Text("type") == "Percent" && p.At("value").GetInt32() == 100);
    }

    [Fact]
    public void Vllm_WarmIdleReplicaThenZero_ScaleTargetIsTheDeployment()
    {
        var example = Kustomize.Render("deploy/examples/vllm-keda");
        var scaledObject = example.One("ScaledObject", "llama");
        var metadata = Metadata(scaledObject.Items("spec.triggers").Single());
        var deployment = example.One("Deployment", "llama-vllm");

        Assert.Equal(("0", "1", "15m"), (metadata["minReplicas"], metadata["idleReplicas"], metadata["scaleToZeroAfter"]));
        Assert.Equal(0, scaledObject.At("spec.minReplicaCount").GetInt32());
        Assert.Equal(deployment.Text("metadata.name"), scaledObject.Text("spec.scaleTargetRef.name"));
        // Demand from Prometheus, which still answers at zero replicas; the podSelector selects the pods.
        Assert.Contains("prometheusAddress", metadata.Keys);
        Assert.Equal($"app={deployment.At("spec.selector.matchLabels").Property("app")}", metadata["podSelector"]);
        Assert.True(example.One("PodMonitor", "llama-vllm").At("spec.selector.matchLabels").Selects(deployment.At("spec.template.metadata.labels")));
    }

    [Fact]
    public void KServe_HpaOff_TargetsThePredictorDeployment()
    {
        var example = Kustomize.Render("deploy/examples/kserve-keda");
        var service = example.One("InferenceService", "qwen");

        // InferenceService has no schema package: its fields are checked here.
        Assert.Equal("serving.kserve.io/v1beta1", service.Text("apiVersion"));
        Assert.Equal("RawDeployment", service.At("metadata.annotations").Property("serving.kserve.io/deploymentMode"));
        Assert.Equal("external", service.At("metadata.annotations").Property("serving.kserve.io/autoscalerClass"));
        Assert.Equal("1", service.At("spec.predictor.model.resources.limits").Property("nvidia.com/gpu"));
        Assert.Equal("qwen-predictor", example.One("ScaledObject", "qwen").Text("spec.scaleTargetRef.name"));
    }

    [Fact]
    public void LeaderWorkerSet_ScaledThroughItsScaleSubresource_GroupsOfLeaderAndWorkers()
    {
        var example = Kustomize.Render("deploy/examples/leaderworkerset");
        var set = example.One("LeaderWorkerSet", "llama-405b");
        var target = example.One("ScaledObject", "llama-405b").At("spec.scaleTargetRef");

        Assert.Equal((set.Text("apiVersion"), set.Text("kind"), set.Text("metadata.name")), (target.Text("apiVersion"), target.Text("kind"), target.Text("name")));
        Assert.Equal(2, set.At("spec.leaderWorkerTemplate.size").GetInt32());
        Assert.NotNull(set.Find("spec.leaderWorkerTemplate.leaderTemplate.spec.containers"));
        Assert.NotNull(set.Find("spec.leaderWorkerTemplate.workerTemplate.spec.containers"));
        // No podSelector: the Scaler finds the groups' pods through the LeaderWorkerSet's own /scale selector.
        var trigger = Assert.Single(example.One("ScaledObject", "llama-405b").Items("spec.triggers"));
        Assert.Null(trigger.Find("metadata.podSelector"));
    }

    [Fact]
    public void CustomMetricsHpa_TheDesignsTwoMetrics_PodsMetricsTheScalerServes()
    {
        var hpa = Kustomize.Render("deploy/examples/hpa-custom-metrics").One("HorizontalPodAutoscaler", "llama-vllm");
        using var provider = ScalerServices();
        var served = provider.GetRequiredService<PodMetrics>();

        Assert.Equal(
            [("DCGM_FI_DEV_GPU_UTIL", "70"), ("inference_queue_size", "10")],
            hpa.Items("spec.metrics").Select(m => (m.Text("pods.metric.name")!, m.Text("pods.target.averageValue")!)));
        Assert.All(hpa.Items("spec.metrics"), m => Assert.Equal(("Pods", "AverageValue"), (m.Text("type"), m.Text("pods.target.type"))));
        Assert.All(hpa.Items("spec.metrics"), m => Assert.True(served.TryGet(m.Text("pods.metric.name")!, out _), m.Text("pods.metric.name")));
    }

    [Fact]
    public void CustomMetricsHpa_Composite_FollowsTheDecisionWithoutStabilisingTwiceAndItsAnnotationsParse()
    {
        var hpa = Kustomize.Render("deploy/examples/hpa-custom-metrics").One("HorizontalPodAutoscaler", "llama-vllm-composite");
        var metric = Assert.Single(hpa.Items("spec.metrics"));
        // The patch's annotations, one "scaler.dev/key: value" per line (values unquoted as YAML reads them).
        var patchText = Repo.ReadText("deploy/examples/hpa-custom-metrics/deployment-annotations.yaml");
        var policy = patchText.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("scaler.dev/", StringComparison.Ordinal))
            .ToDictionary(l => l["scaler.dev/".Length..l.IndexOf(':', StringComparison.Ordinal)], l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().Trim('"'), StringComparer.Ordinal);
        using var provider = ScalerServices();

        // One Object metric on the scaled Deployment, AverageValue 1: the HPA proposes ceil(value).
        Assert.Equal(("Object", "scaler_desired_replicas", "AverageValue", "1"), (metric.Text("type"), metric.Text("object.metric.name"), metric.Text("object.target.type"), metric.Text("object.target.averageValue")));
        Assert.Equal(hpa.Text("spec.scaleTargetRef.name"), metric.Text("object.describedObject.name"));
        Assert.Contains($"name: {hpa.Text("spec.scaleTargetRef.name")}", patchText, StringComparison.Ordinal);
        Assert.True(policy.Count >= 4);
        Assert.All(["scaleUp", "scaleDown"], direction => Assert.Equal(0, hpa.At($"spec.behavior.{direction}.stabilizationWindowSeconds").GetInt32()));
        // The annotations are a policy the Scaler's parser accepts, the pods being the Deployment's (from its /scale).
        Assert.True(
            provider.GetRequiredService<TriggerParser>().TryParse(new ScaledObjectKey("llm", "llama-vllm"), policy, new HashSet<string>(), out var trigger, out var errors, targetSelector: "app=llama-vllm"),
            string.Join("; ", errors));
        // No scale to zero without KEDA: the engine's floor and the HPA's agree.
        Assert.Equal(hpa.At("spec.minReplicas").GetInt32(), trigger.Policy.MinReplicas);
        Assert.True(hpa.At("spec.maxReplicas").GetInt32() >= trigger.Policy.MaxReplicas);
    }

    private static ServiceProvider ScalerServices()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddSignalSources().AddTriggerParser();
        return services.BuildServiceProvider();
    }

    [Theory]
    // Each GPU Operator configuration says what the exporter reports for it.
    [InlineData("time-slicing-config", "any", "gpu_attributed_pods")]
    [InlineData("custom-mig-config", "config.yaml", "GPU_I_PROFILE")]
    public void GpuOperator_ConfigMap_AnnotatedWithWhatTheExporterReports(string name, string key, string mentioned)
    {
        var map = Kustomize.Render("deploy/examples/gpu-operator").One("ConfigMap", name);
        var source = Repo.ReadText($"deploy/examples/gpu-operator/{(name == "custom-mig-config" ? "mig" : "time-slicing")}.yaml");

        Assert.Equal("gpu-operator", map.Text("metadata.namespace"));
        Assert.StartsWith("version: v1", map.At("data").Property(key), StringComparison.Ordinal);
        Assert.Contains("What nvml-exporter reports", source, StringComparison.Ordinal);
        Assert.Contains(mentioned, source, StringComparison.Ordinal);
    }
}
