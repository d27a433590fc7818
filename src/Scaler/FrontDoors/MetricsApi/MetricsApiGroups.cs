namespace Scaler.FrontDoors.MetricsApi;

/// <summary>The API groups and versions the door serves, and the one object metric.</summary>
internal static class MetricsApiGroups
{
    public const string Custom = "custom.metrics.k8s.io";
    public const string External = "external.metrics.k8s.io";
    public const string V1Beta2 = "v1beta2";
    public const string V1Beta1 = "v1beta1";

    /// <summary>The composite decision's metric: the engine's desired replica count for the workload.</summary>
    public const string DesiredReplicas = "scaler_desired_replicas";

    /// <summary>Annotations of a workload that start with this are its policy, with the KEDA trigger metadata's keys (<c>scaler.dev/server: vllm</c>).</summary>
    public const string AnnotationPrefix = "scaler.dev/";

    /// <summary>The resources listed in discovery for <see cref="DesiredReplicas"/> (any resource with <c>/scale</c> is served).</summary>
    public static readonly string[] ListedObjectResources = ["deployments.apps", "statefulsets.apps", "leaderworkersets.leaderworkerset.x-k8s.io"];

    /// <summary>Custom metrics versions, preferred first.</summary>
    public static readonly string[] CustomVersions = [V1Beta2, V1Beta1];
}
