using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace Scaler.Signals.Kubernetes;

/// <summary>
/// <see cref="IScaleTargets"/> from the API server: the object (<c>GET .../{resource}/{name}</c>, for its
/// annotations) and its scale (<c>GET .../{name}/scale</c>, for the selector and replicas), the group's version
/// from discovery. A workload read less than <see cref="RefreshAfter"/> ago is served as it is; an older one is
/// served too while one background read (shared by every caller) fetches it again. Only a workload's first
/// read is waited for, at most <see cref="FirstReadWait"/>. While reads fail, the last good answer is served
/// for <see cref="ServeFailingFor"/>, then the answer is unknown with the reason. A workload nobody asked
/// about for <see cref="ForgetAfter"/> is forgotten.
/// </summary>
internal sealed partial class KubernetesScaleTargets(IKubernetes client, TimeProvider time, ILogger<KubernetesScaleTargets> logger) : IScaleTargets, IDisposable
{
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan FirstReadWait = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan ServeFailingFor = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan GroupsRefresh = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<(string Namespace, string Resource, string Name), Entry> _entries = new();
    private readonly SemaphoreSlim _groupsGate = new(1, 1);
    private volatile Dictionary<string, string> _groupVersions = new Dictionary<string, string>(StringComparer.Ordinal);
    private DateTimeOffset _groupsReadAt = DateTimeOffset.MinValue;
    private long _nextSweepTicks;

    public async ValueTask<ScaledWorkloadLookup> GetAsync(string @namespace, string resource, string name, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        Sweep(now);
        var entry = _entries.GetOrAdd((@namespace, resource, name), static _ => new Entry());
        entry.LastAskedTicks = now.UtcTicks;
        var known = entry.Answer;
        if (known is not null && now - entry.ReadAt < RefreshAfter)
        {
            return known;
        }

        var refresh = entry.StartRefresh(() => ReadAsync(@namespace, resource, name, entry));
        if (known is not null)
        {
            return known;
        }

        try
        {
            return await refresh.WaitAsync(FirstReadWait, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return ScaledWorkloadLookup.Unknown($"{resource} {@namespace}/{name}: first read from the Kubernetes API in progress");
        }
    }

    private async Task<ScaledWorkloadLookup> ReadAsync(string ns, string resource, string name, Entry entry)
    {
        ScaledWorkloadLookup answer;
        try
        {
            answer = await FetchAsync(ns, resource, name).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failed read is data: the last good answer is served while it is young enough.
        catch (Exception e)
#pragma warning restore CA1031
        {
            var why = e is HttpOperationException http ? $"the Kubernetes API answered {(int)http.Response.StatusCode}" : $"{e.GetType().Name}: {SecretScrubber.Scrub(e.Message)}";
            LogReadFailed(logger, resource, ns, name, why);
            var last = entry.Answer;
            answer = last?.Workload is { } good && time.GetUtcNow() - good.ObservedAt <= ServeFailingFor
                ? last
                : ScaledWorkloadLookup.Unknown($"{resource} {ns}/{name} could not be read from the Kubernetes API: {why}");
        }

        entry.Answer = answer;
        entry.ReadAt = time.GetUtcNow();
        return answer;
    }

    private async Task<ScaledWorkloadLookup> FetchAsync(string ns, string resource, string name)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
        var ct = timeout.Token;
        var dot = resource.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return ScaledWorkloadLookup.Missing($"{resource}: the Scaler reads workloads of a named API group (deployments.apps, statefulsets.apps, a custom resource), not of the core group");
        }

        var (plural, group) = (resource[..dot], resource[(dot + 1)..]);
        if (await VersionOfAsync(group, ct).ConfigureAwait(false) is not { } version)
        {
            return ScaledWorkloadLookup.Missing($"the API group {group} is not served by this cluster");
        }

        JsonElement obj, scale;
        try
        {
            obj = Json(await client.CustomObjects.GetNamespacedCustomObjectAsync(group, version, ns, plural, name, ct).ConfigureAwait(false));
            scale = Json(await client.CustomObjects.GetNamespacedCustomObjectScaleAsync(group, version, ns, plural, name, ct).ConfigureAwait(false));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return ScaledWorkloadLookup.Missing($"{resource} \"{name}\" not found in namespace {ns} (or it has no /scale subresource)");
        }

        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("annotations", out var list) && list.ValueKind == JsonValueKind.Object)
        {
            foreach (var annotation in list.EnumerateObject())
            {
                if (annotation.Value.ValueKind == JsonValueKind.String)
                {
                    annotations[annotation.Name] = annotation.Value.GetString()!;
                }
            }
        }

        var selector = scale.TryGetProperty("status", out var status) && status.TryGetProperty("selector", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        var replicas = scale.TryGetProperty("spec", out var spec) && spec.TryGetProperty("replicas", out var r) && r.TryGetInt32(out var count) ? count : 0;
        var kind = obj.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : plural;
        return ScaledWorkloadLookup.Found(new ScaledWorkload(ns, resource, name, kind, $"{group}/{version}", annotations, selector, replicas, time.GetUtcNow()));
    }

    /// <summary>The preferred version of <paramref name="group"/> from discovery (<c>/apis</c>), read again when a group is not known.</summary>
    private async Task<string?> VersionOfAsync(string group, CancellationToken ct)
    {
        if (_groupVersions.TryGetValue(group, out var version))
        {
            return version;
        }

        await _groupsGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!_groupVersions.TryGetValue(group, out version) && time.GetUtcNow() - _groupsReadAt >= GroupsRefresh)
            {
                var groups = await client.Apis.GetAPIVersionsAsync(ct).ConfigureAwait(false);
                _groupVersions = groups.Groups.Where(g => g.PreferredVersion?.Version is not null)
                    .ToDictionary(g => g.Name, g => g.PreferredVersion.Version, StringComparer.Ordinal);
                _groupsReadAt = time.GetUtcNow();
                _groupVersions.TryGetValue(group, out version);
            }

            return version;
        }
        finally
        {
            _groupsGate.Release();
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        var next = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref _nextSweepTicks, (now + TimeSpan.FromMinutes(1)).UtcTicks, next) != next)
        {
            return;
        }

        foreach (var (key, entry) in _entries)
        {
            if (now.UtcTicks - Volatile.Read(ref entry.LastAskedTicks) > ForgetAfter.Ticks)
            {
                _entries.TryRemove(key, out _);
            }
        }
    }

    public void Dispose() => _groupsGate.Dispose();

    private static JsonElement Json(object value) => value is JsonElement element ? element : JsonSerializer.SerializeToElement(value);

    [LoggerMessage(EventId = 407, Level = LogLevel.Warning, Message = "Reading {Resource} {Namespace}/{Name} and its /scale failed: {Reason}")]
    private static partial void LogReadFailed(ILogger logger, string resource, string @namespace, string name, string reason);

    /// <summary>One workload's last answer and the read in flight, if any.</summary>
    private sealed class Entry
    {
        private readonly Lock _gate = new();
        private Task<ScaledWorkloadLookup>? _refreshing;

        public volatile ScaledWorkloadLookup? Answer;

        public DateTimeOffset ReadAt;

        public long LastAskedTicks;

        /// <summary>The read in flight, or a new one: one at a time per workload, whoever asks.</summary>
        public Task<ScaledWorkloadLookup> StartRefresh(Func<Task<ScaledWorkloadLookup>> read)
        {
            lock (_gate)
            {
                if (_refreshing is { IsCompleted: false } running)
                {
                    return running;
                }

                using (ExecutionContext.SuppressFlow())
                {
                    _refreshing = Task.Run(read);
                }

                return _refreshing;
            }
        }
    }
}
