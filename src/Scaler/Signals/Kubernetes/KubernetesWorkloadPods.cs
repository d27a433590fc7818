using System.Collections.Concurrent;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Scaler.Signals.Kubernetes;

/// <summary>
/// <see cref="IWorkloadPods"/> answered from informer-style caches (<see cref="ResourceInformer{TObject,TItem}"/>).
/// Caches start lazily, per namespace, on the first question about that namespace: the ScaledObjects,
/// the pods, and the Deployments or StatefulSets only once a ScaledObject targets that kind. The exporter
/// cache watches only pods matching <see cref="KubernetesOptions.ExporterSelector"/> in
/// <see cref="KubernetesOptions.ExporterNamespace"/>. A call never waits on the API server: until a cache
/// has listed, or once it has been broken for longer than <see cref="KubernetesOptions.StaleAfter"/>, the
/// answer is <see cref="PodSet.Unknown"/> with the reason.
/// </summary>
internal sealed partial class KubernetesWorkloadPods : IWorkloadPods, IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly IScaleTargets? _scaleTargets;
    private readonly KubernetesOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LabelSelector _exporterSelector;
    private readonly ConcurrentDictionary<string, Lazy<IAsyncDisposable>> _informers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (LabelSelector? Selector, string? Error)> _podSelectors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (object Snapshot, LabelSelector Selector, IReadOnlyList<WorkloadPod> Pods)> _lastAnswers = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    public KubernetesWorkloadPods(IKubernetes client, KubernetesOptions options, TimeProvider time, ILogger<KubernetesWorkloadPods> logger, IScaleTargets? scaleTargets = null)
    {
        _scaleTargets = scaleTargets;
        _client = client;
        _options = options;
        _time = time;
        _logger = logger;
        _exporterSelector = LabelSelector.Parse(options.ExporterSelector, nameof(KubernetesOptions.ExporterSelector));
    }

    /// <summary>
    /// A scale target of another kind, through its <c>/scale</c> subresource (read in the background by
    /// <see cref="IScaleTargets"/>; this never waits: until its first read is done the pods are unknown). The
    /// resource is the kind's plural by the Kubernetes convention (lower case, with an s).
    /// </summary>
    private (CachedWorkload? Workload, string? Error) ScaleSelector(string? kind, string? apiVersion, string @namespace, string name, string id)
    {
        var target = $"{kind} ({apiVersion}) {@namespace}/{name}";
        if (_scaleTargets is null || string.IsNullOrEmpty(kind) || string.IsNullOrEmpty(apiVersion))
        {
            return (null, $"ScaledObject {id} targets {kind} ({apiVersion}) {name}: only Deployment and StatefulSet (apps/v1) targets are resolved; set podSelector in the trigger metadata to select its pods");
        }

        var group = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : "";
        var resource = kind.ToLowerInvariant() + "s" + (group.Length > 0 ? "." + group : "");
        var lookup = _scaleTargets.GetAsync(@namespace, resource, name, CancellationToken.None);
        if (!lookup.IsCompletedSuccessfully)
        {
            _ = lookup.AsTask();
            return (null, $"{target} (the scale target of ScaledObject {id}): the first read of its scale subresource is in progress");
        }

        var answer = lookup.Result;
        if (answer.Workload is not { } workload)
        {
            return (null, $"{target} (the scale target of ScaledObject {id}){(answer.NotFound ? " not found" : "")}: {answer.UnavailableReason}");
        }

        if (workload.Selector is not { } text)
        {
            return (null, $"{target} (the scale target of ScaledObject {id}) publishes no selector in its scale subresource; set podSelector in the trigger metadata");
        }

        var (selector, error) = _podSelectors.GetOrAdd("scale:" + text, static key =>
            LabelSelector.TryParse(key["scale:".Length..], "status.selector of the scale subresource", out var s, out var e) ? (s, null) : (null, e));
        return selector is null ? (null, $"{target}: {error}") : (new CachedWorkload(selector, null), null);
    }

    /// <summary>The LIST requests all caches have made; a read never adds one.</summary>
    public long ListCount => _informers.Values.Where(static l => l.IsValueCreated).Sum(static l => ((IInformerInfo)l.Value).ListCount);

    public PodSet GetPods(WorkloadRef workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        if (_disposed)
        {
            return PodSet.Unknown("the Kubernetes caches are stopped (the Scaler is shutting down)");
        }

        var observedAt = _time.GetUtcNow();
        LabelSelector selector;
        if (workload.PodSelector is not null)
        {
            // The trigger's podSelector replaces the scale target's selector; the ScaledObject is not consulted.
            var (parsed, error) = _podSelectors.GetOrAdd(workload.PodSelector, static text =>
                LabelSelector.TryParse(text, "podSelector", out var s, out var e) ? (s, null) : (null, e));
            if (parsed is null)
            {
                return PodSet.Unknown(error!);
            }

            selector = parsed;
        }
        else
        {
            var scaledObjects = ScaledObjects(workload.Namespace);
            if (NotReady(scaledObjects, ref observedAt) is { } waiting)
            {
                return PodSet.Unknown(waiting);
            }

            var id = $"{workload.Namespace}/{workload.Name}";
            if (!scaledObjects.Items.TryGetValue(workload.Name, out var scaledObject))
            {
                return PodSet.Unknown($"ScaledObject {id} not found");
            }

            if (scaledObject.Error is { } invalid)
            {
                return PodSet.Unknown($"ScaledObject {id}: {invalid}");
            }

            var target = $"{scaledObject.TargetKind} {workload.Namespace}/{scaledObject.TargetName}";
            CachedWorkload? resolved;
            switch (scaledObject.TargetKind, scaledObject.TargetApiVersion)
            {
                case ("Deployment", "apps/v1"):
                    var deployments = Deployments(workload.Namespace);
                    if (NotReady(deployments, ref observedAt) is { } waitingDeployments)
                    {
                        return PodSet.Unknown(waitingDeployments);
                    }

                    resolved = deployments.Items.GetValueOrDefault(scaledObject.TargetName!);
                    break;
                case ("StatefulSet", "apps/v1"):
                    var statefulSets = StatefulSets(workload.Namespace);
                    if (NotReady(statefulSets, ref observedAt) is { } waitingStatefulSets)
                    {
                        return PodSet.Unknown(waitingStatefulSets);
                    }

                    resolved = statefulSets.Items.GetValueOrDefault(scaledObject.TargetName!);
                    break;
                default:
                    // Any other kind with a /scale subresource (LeaderWorkerSet, KServe's InferenceService, Argo
                    // Rollouts): the selector its scale publishes.
                    var scaled = ScaleSelector(scaledObject.TargetKind, scaledObject.TargetApiVersion, workload.Namespace, scaledObject.TargetName!, id);
                    if (scaled.Error is { } unresolved)
                    {
                        return PodSet.Unknown(unresolved);
                    }

                    resolved = scaled.Workload;
                    break;
            }

            if (resolved is null)
            {
                return PodSet.Unknown($"{target} (the scale target of ScaledObject {id}) not found");
            }

            if (resolved.Selector is null)
            {
                return PodSet.Unknown($"{target} (the scale target of ScaledObject {id}): {resolved.Error}");
            }

            selector = resolved.Selector;
        }

        var pods = Pods(workload.Namespace);
        if (NotReady(pods, ref observedAt) is { } waitingPods)
        {
            return PodSet.Unknown(waitingPods);
        }

        // The store is immutable: while neither it nor the selector changed, the last answer still holds,
        // so repeated reads (every caller, every refresh) cost a lookup, not a scan of the namespace.
        var snapshot = pods.Items;
        if (_lastAnswers.TryGetValue(workload.Key, out var last) && ReferenceEquals(last.Snapshot, snapshot) && ReferenceEquals(last.Selector, selector))
        {
            return new PodSet(last.Pods, null, observedAt);
        }

        var matching = new List<WorkloadPod>();
        if (workload.PodName is { } one)
        {
            if (snapshot.TryGetValue($"{workload.Namespace}/{one}", out var single) && selector.Matches(single.Labels))
            {
                matching.Add(single.ToWorkloadPod());
            }
        }
        else
        {
            foreach (var pod in snapshot.Values)
            {
                if (selector.Matches(pod.Labels))
                {
                    matching.Add(pod.ToWorkloadPod());
                }
            }
        }

        matching.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        var answer = matching.ToArray();
        _lastAnswers[workload.Key] = (snapshot, selector, answer);
        return new PodSet(answer, null, observedAt);
    }

    public PodSet GetExporters(IReadOnlyCollection<string> nodeNames)
    {
        ArgumentNullException.ThrowIfNull(nodeNames);
        if (_disposed)
        {
            return PodSet.Unknown("the Kubernetes caches are stopped (the Scaler is shutting down)");
        }

        var exporters = Exporters();
        var observedAt = _time.GetUtcNow();
        if (NotReady(exporters, ref observedAt) is { } waiting)
        {
            return PodSet.Unknown(waiting);
        }

        var nodes = nodeNames as IReadOnlySet<string> ?? new HashSet<string>(nodeNames, StringComparer.Ordinal);
        var matching = new List<WorkloadPod>();
        foreach (var pod in exporters.Items.Values)
        {
            // The server filters by the selector already; matching again keeps a lenient server honest.
            if (pod.NodeName is { } node && nodes.Contains(node) && _exporterSelector.Matches(pod.Labels))
            {
                matching.Add(pod.ToWorkloadPod());
            }
        }

        matching.Sort(static (a, b) => string.CompareOrdinal(a.NodeName, b.NodeName) is var byNode and not 0 ? byNode : string.CompareOrdinal(a.Name, b.Name));
        return new PodSet(matching, null, observedAt);
    }

    public ScaleTarget? GetScaleTarget(string @namespace, string scaledObject)
    {
        if (_disposed || string.IsNullOrEmpty(@namespace) || string.IsNullOrEmpty(scaledObject))
        {
            return null;
        }

        var scaledObjects = ScaledObjects(@namespace);
        var observedAt = _time.GetUtcNow();
        if (NotReady(scaledObjects, ref observedAt) is not null
            || !scaledObjects.Items.TryGetValue(scaledObject, out var cached)
            || cached.TargetName is not { Length: > 0 } targetName)
        {
            return null;
        }

        // The uid comes from a workload cache only when one already runs for the namespace (GetPods started it):
        // naming an event's object does not justify a new watch.
        var workloads = (cached.TargetKind, cached.TargetApiVersion) switch
        {
            ("Deployment", "apps/v1") => $"deployments/{@namespace}",
            ("StatefulSet", "apps/v1") => $"statefulsets/{@namespace}",
            _ => null,
        };
        string? uid = null;
        if (workloads is not null && _informers.TryGetValue(workloads, out var lazy) && lazy.IsValueCreated)
        {
            uid = (lazy.Value as ResourceInformer<V1Deployment, CachedWorkload>)?.Items.GetValueOrDefault(targetName)?.Uid
                ?? (lazy.Value as ResourceInformer<V1StatefulSet, CachedWorkload>)?.Items.GetValueOrDefault(targetName)?.Uid;
        }

        return new ScaleTarget(cached.TargetApiVersion, cached.TargetKind, @namespace, targetName, uid);
    }

    /// <summary>Starts the exporter cache now rather than on the first <see cref="GetExporters"/>.</summary>
    public void StartExporterCache() => _ = Exporters();

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var informer in _informers.Values.Where(static l => l.IsValueCreated))
        {
            await informer.Value.DisposeAsync().ConfigureAwait(false);
        }
    }

    private ResourceInformer<JsonElement, CachedScaledObject> ScaledObjects(string ns) =>
        Informer($"scaledobjects/{ns}", () => KubernetesResources.ScaledObjects(_client, ns), KubernetesResources.ProjectScaledObject);

    private ResourceInformer<V1Deployment, CachedWorkload> Deployments(string ns) =>
        Informer($"deployments/{ns}", () => KubernetesResources.Deployments(_client, ns), static d => KubernetesResources.ProjectWorkload(d.Metadata?.Name, d.Metadata?.ResourceVersion, d.Spec?.Selector, d.Metadata?.Uid));

    private ResourceInformer<V1StatefulSet, CachedWorkload> StatefulSets(string ns) =>
        Informer($"statefulsets/{ns}", () => KubernetesResources.StatefulSets(_client, ns), static s => KubernetesResources.ProjectWorkload(s.Metadata?.Name, s.Metadata?.ResourceVersion, s.Spec?.Selector, s.Metadata?.Uid));

    private ResourceInformer<V1Pod, CachedPod> Pods(string ns) =>
        Informer($"pods/{ns}", () => KubernetesResources.NamespacedPods(_client, ns), KubernetesResources.ProjectPod);

    private ResourceInformer<V1Pod, CachedPod> Exporters() =>
        Informer("exporters", () => KubernetesResources.SelectedPods(_client, _options.ExporterNamespace, _exporterSelector.ToString()), KubernetesResources.ProjectPod);

    private ResourceInformer<TObject, TItem> Informer<TObject, TItem>(string key, Func<IResourceWatchClient<TObject>> client, Func<TObject, CachedObject<TItem>?> project)
    {
        var lazy = _informers.GetOrAdd(key, _ => new Lazy<IAsyncDisposable>(() =>
        {
            var informer = new ResourceInformer<TObject, TItem>(client(), project, _options, _time, _logger);
            LogWatchStarted(_logger, informer.Description);
            informer.Start();
            return informer;
        }));
        return (ResourceInformer<TObject, TItem>)lazy.Value;
    }

    /// <summary>Why <paramref name="informer"/> cannot answer yet (null when it can); moves <paramref name="observedAt"/> back to when a broken cache was last in sync.</summary>
    private string? NotReady<TObject, TItem>(ResourceInformer<TObject, TItem> informer, ref DateTimeOffset observedAt)
    {
        var health = informer.Health;
        if (!health.Synced)
        {
            return health.LastError is { } error
                ? $"the cache of {informer.Description} has not listed yet: {error}"
                : $"the cache of {informer.Description} is starting (first list in progress)";
        }

        if (health.BrokenSince is { } since)
        {
            if (_time.GetUtcNow() - since > _options.StaleAfter)
            {
                return $"the cache of {informer.Description} is out of date: its watch has failed since {since:O} ({health.LastError})";
            }

            observedAt = since < observedAt ? since : observedAt;
        }

        return null;
    }

    [LoggerMessage(EventId = 405, Level = LogLevel.Information, Message = "Watching {Description}")]
    private static partial void LogWatchStarted(ILogger logger, string description);
}

/// <summary>What <see cref="KubernetesWorkloadPods"/> reads from its informers without knowing their types.</summary>
internal interface IInformerInfo
{
    long ListCount { get; }
}
