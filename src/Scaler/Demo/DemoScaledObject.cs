using System.Globalization;
using System.Text;

namespace Scaler.Demo;

/// <summary>
/// The ScaledObject the demo plays: capacity sizing of a vLLM deployment from its pods' work counters, GPU
/// utilization reported, KEDA and the HPA set to carry the Scaler's count out (docs/keda-metadata.md). The
/// trigger metadata here is exactly what the KEDA-like loop sends over gRPC.
/// </summary>
internal sealed class DemoScaledObject
{
    public const string Namespace = "llm";
    public const string Name = "llama";
    public const string Target = "llama-vllm";
    public const string PodLabel = "app=llama-vllm";

    /// <summary>vLLM's port, where the pods serve <c>/metrics</c> unless the demo had to take another.</summary>
    public const int VllmPort = 8000;

    public DemoScaledObject(int maxReplicas, int podPort)
    {
        MaxReplicas = maxReplicas;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["server"] = "vllm",
            ["podSelector"] = PodLabel,
        };
        if (podPort != VllmPort)
        {
            metadata["metricsPort"] = podPort.ToString(CultureInfo.InvariantCulture);
        }

        metadata["sloTimeToFirstToken"] = "2s";
        metadata["sloPercentile"] = "99";
        metadata["gpuUtilizationTarget"] = "70";
        metadata["minReplicas"] = MinReplicas.ToString(CultureInfo.InvariantCulture);
        metadata["maxReplicas"] = maxReplicas.ToString(CultureInfo.InvariantCulture);
        metadata["idleReplicas"] = "1";
        metadata["scaleToZeroAfter"] = "15m";
        metadata["fallbackReplicas"] = FallbackReplicas.ToString(CultureInfo.InvariantCulture);
        metadata["staleAfter"] = "60s";
        Metadata = metadata;
    }

    /// <summary>
    /// 1: the only demand here is read from the pods, which cannot be asked at zero (the Scaler refuses
    /// <c>minReplicas: 0</c> without a signal from outside them, such as a gateway's queue).
    /// </summary>
    public int MinReplicas { get; } = 1;

    public int MaxReplicas { get; }

    /// <summary>KEDA's <c>fallback.replicas</c>, the same as the engine's <c>fallbackReplicas</c>.</summary>
    public int FallbackReplicas { get; } = 2;

    /// <summary>KEDA's <c>fallback.failureThreshold</c>.</summary>
    public int FailureThreshold { get; } = 3;

    /// <summary>KEDA's <c>pollingInterval</c>.</summary>
    public TimeSpan PollingInterval { get; } = TimeSpan.FromSeconds(15);

    /// <summary>KEDA's <c>cooldownPeriod</c>.</summary>
    public TimeSpan CooldownPeriod { get; } = TimeSpan.FromSeconds(30);

    /// <summary>The trigger's metadata, without <c>scalerAddress</c> (KEDA sends it too; <see cref="Yaml"/> shows it).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The ScaledObject as one would apply it, pointing at <paramref name="scalerAddress"/>.</summary>
    public string Yaml(string scalerAddress)
    {
        var c = CultureInfo.InvariantCulture;
        var yaml = new StringBuilder();
        yaml.AppendLine("apiVersion: keda.sh/v1alpha1")
            .AppendLine("kind: ScaledObject")
            .AppendLine("metadata:")
            .AppendLine(c, $"  name: {Name}")
            .AppendLine(c, $"  namespace: {Namespace}")
            .AppendLine("spec:")
            .AppendLine("  scaleTargetRef:")
            .AppendLine(c, $"    name: {Target}")
            .AppendLine(c, $"  minReplicaCount: {MinReplicas}")
            .AppendLine(c, $"  maxReplicaCount: {MaxReplicas}")
            .AppendLine(c, $"  pollingInterval: {PollingInterval.TotalSeconds:0}")
            .AppendLine(c, $"  cooldownPeriod: {CooldownPeriod.TotalSeconds:0}")
            .AppendLine("  fallback:")
            .AppendLine(c, $"    failureThreshold: {FailureThreshold}")
            .AppendLine(c, $"    replicas: {FallbackReplicas}")
            .AppendLine("  advanced:")
            .AppendLine("    horizontalPodAutoscalerConfig:")
            .AppendLine("      behavior:   # no second stabilisation: windows of 0, policies that never bind")
            .AppendLine("        scaleUp: {stabilizationWindowSeconds: 0, selectPolicy: Max, policies: [{type: Percent, value: 1000, periodSeconds: 15}, {type: Pods, value: 100, periodSeconds: 15}]}")
            .AppendLine("        scaleDown: {stabilizationWindowSeconds: 0, selectPolicy: Max, policies: [{type: Percent, value: 100, periodSeconds: 15}]}")
            .AppendLine("  triggers:")
            .AppendLine("    - type: external-push")
            .AppendLine("      metricType: AverageValue")
            .AppendLine("      metadata:")
            .AppendLine(c, $"        scalerAddress: {scalerAddress}");
        foreach (var (key, value) in Metadata)
        {
            yaml.AppendLine(c, $"        {key}: {Quote(value)}");
        }

        return yaml.ToString();
    }

    // Metadata values are strings: numbers are quoted as KEDA's examples quote them.
    private static string Quote(string value) => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? $"\"{value}\"" : value;
}
