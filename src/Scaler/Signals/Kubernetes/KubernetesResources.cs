using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Scaler.Signals.Kubernetes;

/// <summary>A pod reduced to what selection and the signal sources need.</summary>
internal sealed record CachedPod(string Namespace, string Name, IReadOnlyDictionary<string, string>? Labels, string? NodeName, string? PodIp, bool Ready)
{
    public WorkloadPod ToWorkloadPod() => new(Namespace, Name, NodeName, PodIp, Ready);
}

/// <summary>A Deployment's or StatefulSet's pod selector, or why it has none usable; and its uid (events name it).</summary>
internal sealed record CachedWorkload(LabelSelector? Selector, string? Error, string? Uid = null);

/// <summary>A ScaledObject's <c>spec.scaleTargetRef</c>, defaults applied, or why it cannot be read.</summary>
internal sealed record CachedScaledObject(string? TargetName, string TargetKind, string TargetApiVersion, string? Error);

/// <summary>The list and watch calls of the kinds the Scaler caches, and their projections.</summary>
internal static class KubernetesResources
{
    public const string KedaGroup = "keda.sh";
    public const string KedaVersion = "v1alpha1";
    public const string ScaledObjectsPlural = "scaledobjects";

    /// <summary>Pods of one namespace (all of them: the workloads of a namespace share one cache).</summary>
    public static IResourceWatchClient<V1Pod> NamespacedPods(IKubernetes client, string ns) => new TypedWatchClient<V1Pod, V1PodList>(
        $"pods in namespace {ns}",
        async ct =>
        {
            var list = await client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: ct).ConfigureAwait(false);
            return (list.Items.ToList(), list.Metadata?.ResourceVersion ?? "");
        },
        (rv, timeout, ct) => client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(ns, allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, watch: true, cancellationToken: ct));

    /// <summary>Pods matching <paramref name="labelSelector"/> in <paramref name="ns"/>, or in all namespaces when it is empty.</summary>
    public static IResourceWatchClient<V1Pod> SelectedPods(IKubernetes client, string ns, string labelSelector) => string.IsNullOrEmpty(ns)
        ? new TypedWatchClient<V1Pod, V1PodList>(
            $"pods matching '{labelSelector}' in all namespaces",
            async ct =>
            {
                var list = await client.CoreV1.ListPodForAllNamespacesAsync(labelSelector: labelSelector, cancellationToken: ct).ConfigureAwait(false);
                return (list.Items.ToList(), list.Metadata?.ResourceVersion ?? "");
            },
            (rv, timeout, ct) => client.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: rv, timeoutSeconds: timeout, watch: true, cancellationToken: ct))
        : new TypedWatchClient<V1Pod, V1PodList>(
            $"pods matching '{labelSelector}' in namespace {ns}",
            async ct =>
            {
                var list = await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labelSelector, cancellationToken: ct).ConfigureAwait(false);
                return (list.Items.ToList(), list.Metadata?.ResourceVersion ?? "");
            },
            (rv, timeout, ct) => client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(ns, allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: rv, timeoutSeconds: timeout, watch: true, cancellationToken: ct));

    public static IResourceWatchClient<V1Deployment> Deployments(IKubernetes client, string ns) => new TypedWatchClient<V1Deployment, V1DeploymentList>(
        $"deployments in namespace {ns}",
        async ct =>
        {
            var list = await client.AppsV1.ListNamespacedDeploymentAsync(ns, cancellationToken: ct).ConfigureAwait(false);
            return (list.Items.ToList(), list.Metadata?.ResourceVersion ?? "");
        },
        (rv, timeout, ct) => client.AppsV1.ListNamespacedDeploymentWithHttpMessagesAsync(ns, allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, watch: true, cancellationToken: ct));

    public static IResourceWatchClient<V1StatefulSet> StatefulSets(IKubernetes client, string ns) => new TypedWatchClient<V1StatefulSet, V1StatefulSetList>(
        $"statefulsets in namespace {ns}",
        async ct =>
        {
            var list = await client.AppsV1.ListNamespacedStatefulSetAsync(ns, cancellationToken: ct).ConfigureAwait(false);
            return (list.Items.ToList(), list.Metadata?.ResourceVersion ?? "");
        },
        (rv, timeout, ct) => client.AppsV1.ListNamespacedStatefulSetWithHttpMessagesAsync(ns, allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, watch: true, cancellationToken: ct));

    /// <summary>KEDA ScaledObjects (<c>keda.sh/v1alpha1</c>, a custom resource: read as JSON).</summary>
    public static IResourceWatchClient<JsonElement> ScaledObjects(IKubernetes client, string ns) => new TypedWatchClient<JsonElement, object>(
        $"scaledobjects.keda.sh in namespace {ns}",
        async ct =>
        {
            var list = await client.CustomObjects.ListNamespacedCustomObjectAsync(KedaGroup, KedaVersion, ns, ScaledObjectsPlural, cancellationToken: ct).ConfigureAwait(false);
            var json = list is JsonElement element ? element : JsonSerializer.SerializeToElement(list);
            var items = json.TryGetProperty("items", out var array) && array.ValueKind == JsonValueKind.Array
                ? array.EnumerateArray().Select(static item => item.Clone()).ToList()
                : [];
            var rv = json.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("resourceVersion", out var version) ? version.GetString() ?? "" : "";
            return (items, rv);
        },
        (rv, timeout, ct) => client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync(KedaGroup, KedaVersion, ns, ScaledObjectsPlural, allowWatchBookmarks: true, resourceVersion: rv, timeoutSeconds: timeout, watch: true, cancellationToken: ct));

    public static CachedObject<CachedPod>? ProjectPod(V1Pod pod)
    {
        var metadata = pod.Metadata;
        if (metadata?.Name is not { } name)
        {
            // A BOOKMARK carries only metadata.resourceVersion.
            return metadata?.ResourceVersion is { } bookmark ? new CachedObject<CachedPod>("", bookmark, null!) : null;
        }

        // Ready: the kubelet's Ready condition is True and the pod is not being deleted (a terminating pod
        // can still report Ready until its containers stop, but must not count as serving capacity).
        var ready = metadata.DeletionTimestamp is null
            && pod.Status?.Conditions?.Any(static c => c.Type == "Ready" && string.Equals(c.Status, "True", StringComparison.OrdinalIgnoreCase)) == true;
        var ns = metadata.NamespaceProperty ?? "";
        var labels = metadata.Labels is { Count: > 0 } l ? new Dictionary<string, string>(l, StringComparer.Ordinal) : null;
        var item = new CachedPod(ns, name, labels, pod.Spec?.NodeName, pod.Status?.PodIP, ready);
        return new CachedObject<CachedPod>($"{ns}/{name}", metadata.ResourceVersion, item);
    }

    public static CachedObject<CachedWorkload>? ProjectWorkload(string? name, string? resourceVersion, V1LabelSelector? selector, string? uid = null)
    {
        if (name is null)
        {
            return resourceVersion is null ? null : new CachedObject<CachedWorkload>("", resourceVersion, null!);
        }

        var item = LabelSelector.TryFromSpec(selector, out var parsed, out var error)
            ? new CachedWorkload(parsed, null, uid)
            : new CachedWorkload(null, error, uid);
        return new CachedObject<CachedWorkload>(name, resourceVersion, item);
    }

    /// <summary>
    /// <c>spec.scaleTargetRef</c>: <c>name</c> (required), <c>kind</c> (default Deployment), <c>apiVersion</c>
    /// (default apps/v1), as KEDA applies them.
    /// </summary>
    public static CachedObject<CachedScaledObject>? ProjectScaledObject(JsonElement scaledObject)
    {
        if (scaledObject.ValueKind != JsonValueKind.Object || !scaledObject.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var rv = StringProperty(metadata, "resourceVersion");
        if (StringProperty(metadata, "name") is not { } name)
        {
            return rv is null ? null : new CachedObject<CachedScaledObject>("", rv, null!);
        }

        if (!scaledObject.TryGetProperty("spec", out var spec) || spec.ValueKind != JsonValueKind.Object
            || !spec.TryGetProperty("scaleTargetRef", out var target) || target.ValueKind != JsonValueKind.Object)
        {
            return new CachedObject<CachedScaledObject>(name, rv, new CachedScaledObject(null, "Deployment", "apps/v1", "spec.scaleTargetRef is missing"));
        }

        var targetName = StringProperty(target, "name");
        var kind = StringProperty(target, "kind") is { Length: > 0 } k ? k : "Deployment";
        var apiVersion = StringProperty(target, "apiVersion") is { Length: > 0 } v ? v : "apps/v1";
        var error = string.IsNullOrEmpty(targetName) ? "spec.scaleTargetRef.name is missing" : null;
        return new CachedObject<CachedScaledObject>(name, rv, new CachedScaledObject(targetName, kind, apiVersion, error));
    }

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Lists through a typed call; watches through the same path with <c>watch=true</c>.</summary>
    private sealed class TypedWatchClient<TObject, TList>(
        string description,
        Func<CancellationToken, Task<(List<TObject> Items, string ResourceVersion)>> list,
        Func<string, int, CancellationToken, Task<HttpOperationResponse<TList>>> watch) : IResourceWatchClient<TObject>
    {
        public string Description => description;

        public async Task<(IReadOnlyList<TObject> Items, string ResourceVersion)> ListAsync(CancellationToken cancellationToken)
        {
            var (items, rv) = await list(cancellationToken).ConfigureAwait(false);
            return (items, rv);
        }

        public async Task<IAsyncEnumerable<(WatchEventType Type, TObject Object)>> WatchAsync(string resourceVersion, TimeSpan timeout, Action<Exception> onError, CancellationToken cancellationToken)
        {
            // Awaiting the response first tells "connected" (headers received) apart from "still connecting":
            // only a connected watch clears the cache's broken state.
            var seconds = (int)Math.Ceiling(timeout.TotalSeconds);
            var response = await watch(resourceVersion, seconds, cancellationToken).ConfigureAwait(false);
#pragma warning disable CS0618 // WatchAsync over a response is the library's way to stream a watch we opened ourselves.
            return Task.FromResult(response).WatchAsync<TObject, TList>(onError, cancellationToken);
#pragma warning restore CS0618
        }
    }
}
