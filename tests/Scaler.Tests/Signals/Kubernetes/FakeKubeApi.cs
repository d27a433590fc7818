using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Scaler.Tests.Signals.Kubernetes;

/// <summary>
/// A Kubernetes API server for tests: an in-process Kestrel server on 127.0.0.1 (plain HTTP) that serves
/// real Kubernetes JSON for the calls the Scaler makes, over a store of objects the test controls.
/// <list type="bullet">
/// <item>Resources: <c>pods</c> (core v1; namespaced and <c>/api/v1/pods</c> across namespaces),
///   <c>deployments</c> and <c>statefulsets</c> (apps/v1), <c>scaledobjects</c> (keda.sh/v1alpha1).</item>
/// <item>Verbs: get (<c>.../{name}</c>, 404 <c>Status</c> when absent), list (a <c>PodList</c> etc. with
///   <c>metadata.resourceVersion</c>), watch (<c>?watch=1&amp;resourceVersion=N</c>: newline-delimited,
///   chunked <c>{"type":"ADDED","object":{...}}</c> events, replaying history after N, then live).</item>
/// <item>Query: <c>labelSelector</c> with equality requirements (<c>a=b,c==d</c>) on list and watch (objects
///   moving in or out of the selection arrive as ADDED/DELETED, as on a real server); <c>timeoutSeconds</c>
///   ends a watch cleanly. <c>fieldSelector</c> and set-based selectors answer 400: the Scaler does not send them.</item>
/// <item>Resource versions: one counter for all objects, like etcd's revision. <see cref="CompactHistory"/>
///   forgets history, so a watch from an older version gets 410 Gone (an ERROR event carrying a
///   <c>Status</c> with code 410, reason Expired, as kube-apiserver sends it; or an HTTP 410 with
///   <see cref="GoneAsHttpStatus"/>).</item>
/// <item>Faults: <see cref="FailWith"/> (every request answers that status code with a <c>Status</c> body),
///   <see cref="DropWatches"/> (connections reset mid-stream), <see cref="CloseWatches"/> (streams end
///   cleanly), <see cref="StopAsync"/>/<see cref="RestartAsync"/> (connection refused, then back on the same port).</item>
/// <item>Counters: <see cref="Count"/> by verb and resource, <see cref="OpenWatches"/>.</item>
/// <item>Leases (coordination.k8s.io/v1), as leader election uses them: get, create (POST: 201; 409 AlreadyExists),
///   replace (PUT: 200; 409 Conflict when <c>metadata.resourceVersion</c> is not the stored one, as optimistic
///   concurrency on a real server; 404 when absent). <see cref="Lease"/> reads one.</item>
/// <item>Writes, for <c>events</c> (events.k8s.io/v1) only: create (POST to the namespace's collection: 201 with
///   the stored object; 409 AlreadyExists; 422 Invalid for what kube-apiserver's event validation refuses) and
///   patch (PATCH with <c>application/merge-patch+json</c> or <c>strategic-merge-patch+json</c>, merged per
///   RFC 7386; 404 when absent). <see cref="EventsIn"/> reads what was written; <see cref="FailWritesWith"/>
///   refuses writes only (403 Forbidden, as without the RBAC rule).</item>
/// </list>
/// Build objects with <see cref="FakeKubeObjects"/>. Dispose the server at the end of the test.
/// </summary>
internal sealed class FakeKubeApi : IAsyncDisposable
{
    private static readonly Dictionary<string, (string GroupVersion, string Kind)> Resources = new(StringComparer.Ordinal)
    {
        ["pods"] = ("v1", "Pod"),
        ["deployments"] = ("apps/v1", "Deployment"),
        ["statefulsets"] = ("apps/v1", "StatefulSet"),
        ["scaledobjects"] = ("keda.sh/v1alpha1", "ScaledObject"),
        ["events"] = ("events.k8s.io/v1", "Event"),
        ["configmaps"] = ("v1", "ConfigMap"),
        ["leaderworkersets"] = ("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet"),
        ["tokenreviews"] = ("authentication.k8s.io/v1", "TokenReview"),
        ["subjectaccessreviews"] = ("authorization.k8s.io/v1", "SubjectAccessReview"),
        ["leases"] = ("coordination.k8s.io/v1", "Lease"),
    };

    /// <summary>Resources with a <c>/scale</c> subresource, and where their scale's selector comes from.</summary>
    private static readonly HashSet<string> Scalable = ["deployments", "statefulsets", "leaderworkersets"];

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Resource, string Namespace, string Name), JsonObject> _objects = [];
    private readonly List<StoredEvent> _history = [];
    private readonly List<(string Resource, string Namespace, string Name)> _created = [];
    private readonly List<Watch> _watches = [];
    private readonly List<JsonObject> _reviewed = [];
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);
    private long _resourceVersion = 1000;
    private long _compactedBefore;
    private WebApplication? _app;

    private FakeKubeApi()
    {
    }

    /// <summary>Where the server listens: <c>http://127.0.0.1:port</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>When set, every request answers this status with a <c>Status</c> body (500: InternalError).</summary>
    public HttpStatusCode? FailWith { get; set; }

    /// <summary>When set, every create and patch answers this status with a <c>Status</c> body; reads still work.</summary>
    public HttpStatusCode? FailWritesWith { get; set; }

    /// <summary>Answer a watch from a compacted resourceVersion with HTTP 410 instead of an ERROR event.</summary>
    public bool GoneAsHttpStatus { get; set; }

    /// <summary>
    /// Answers TokenReviews (<c>POST /apis/authentication.k8s.io/v1/tokenreviews</c>): the token to the user and
    /// groups it stands for, or null for a token that is not valid. Default: every token is refused.
    /// </summary>
    public Func<string, (string User, string[] Groups)?> TokenReviews { get; set; } = static _ => null;

    /// <summary>
    /// Answers SubjectAccessReviews (<c>POST /apis/authorization.k8s.io/v1/subjectaccessreviews</c>) from their
    /// <c>spec</c>: allowed or not. Default: nothing is allowed.
    /// </summary>
    public Func<JsonObject, bool> AccessReviews { get; set; } = static _ => false;

    /// <summary>The specs of every SubjectAccessReview received, in order.</summary>
    public IReadOnlyList<JsonObject> ReviewedAccess
    {
        get
        {
            lock (_lock)
            {
                return [.. _reviewed];
            }
        }
    }

    /// <summary>The latest resourceVersion handed out.</summary>
    public long ResourceVersion => Interlocked.Read(ref _resourceVersion);

    public static async Task<FakeKubeApi> StartAsync()
    {
        var api = new FakeKubeApi();
        await api.ListenAsync(0);
        return api;
    }

    /// <summary>A client configuration pointing at this server (no credentials).</summary>
    public KubernetesClientConfiguration ClientConfiguration => new() { Host = Url.ToString() };

    public IKubernetes CreateClient() => new k8s.Kubernetes(ClientConfiguration);

    /// <summary>How many requests of <paramref name="verb"/> (get, list, watch) reached <paramref name="resource"/>.</summary>
    public int Count(string verb, string resource) => _counts.GetValueOrDefault($"{verb} {resource}");

    /// <summary>The events (events.k8s.io/v1) stored in namespace <paramref name="ns"/>, in creation order.</summary>
    public IReadOnlyList<JsonObject> EventsIn(string ns)
    {
        lock (_lock)
        {
            return [.. _created.Where(k => k.Resource == "events" && k.Namespace == ns && _objects.ContainsKey(k)).Select(k => _objects[k].DeepClone().AsObject())];
        }
    }

    /// <summary>The watches of <paramref name="resource"/> open now.</summary>
    public int OpenWatches(string resource)
    {
        lock (_lock)
        {
            return _watches.Count(w => w.Resource == resource);
        }
    }

    /// <summary>Creates or replaces an object (ADDED or MODIFIED to watchers); returns its new resourceVersion.</summary>
    public long Apply(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var kind = (string)obj["kind"]!;
        var resource = Resources.Single(r => r.Value.Kind == kind).Key;
        var metadata = obj["metadata"]!.AsObject();
        var key = (resource, (string)metadata["namespace"]!, (string)metadata["name"]!);
        lock (_lock)
        {
            var rv = Interlocked.Increment(ref _resourceVersion);
            var stored = (JsonObject)obj.DeepClone();
            var storedMetadata = stored["metadata"]!.AsObject();
            _objects.TryGetValue(key, out var old);
            storedMetadata["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            storedMetadata["uid"] ??= (string?)old?["metadata"]?["uid"] ?? Guid.NewGuid().ToString();
            storedMetadata["creationTimestamp"] ??= "2026-05-01T12:00:00Z";
            _objects[key] = stored;
            Publish(new StoredEvent(rv, resource, key.Item2, old is null ? "ADDED" : "MODIFIED", old, stored));
            return rv;
        }
    }

    /// <summary>Deletes an object (DELETED to watchers); false when there was none.</summary>
    public bool Delete(string resource, string ns, string name)
    {
        lock (_lock)
        {
            if (!_objects.Remove((resource, ns, name), out var old))
            {
                return false;
            }

            var rv = Interlocked.Increment(ref _resourceVersion);
            var gone = (JsonObject)old.DeepClone();
            gone["metadata"]!["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture);
            Publish(new StoredEvent(rv, resource, ns, "DELETED", old, gone));
            return true;
        }
    }

    /// <summary>Forgets all history up to now: a watch from any earlier resourceVersion is answered 410 Gone.</summary>
    public void CompactHistory()
    {
        lock (_lock)
        {
            _compactedBefore = _resourceVersion;
            _history.Clear();
        }
    }

    /// <summary>Resets every open watch connection mid-stream (the client sees a transport error).</summary>
    public void DropWatches() => EndWatches(abort: true);

    /// <summary>Ends every open watch stream cleanly (as the server does when a watch's timeout expires).</summary>
    public void CloseWatches() => EndWatches(abort: false);

    /// <summary>Stops listening: requests are refused until <see cref="RestartAsync"/>. The objects are kept.</summary>
    public async Task StopAsync()
    {
        DropWatches();
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Listens again on the same port, with the same objects.</summary>
    public Task RestartAsync() => ListenAsync(Url.Port);

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync();
        _app = app;
        Url = new Uri(app.Urls.First());
    }

    private void EndWatches(bool abort)
    {
        lock (_lock)
        {
            foreach (var watch in _watches)
            {
                watch.Abort = abort;
                watch.Events.Writer.TryComplete();
            }
        }
    }

    // Called under _lock.
    private void Publish(StoredEvent stored)
    {
        _history.Add(stored);
        foreach (var watch in _watches)
        {
            if (watch.Resource == stored.Resource && (watch.Namespace is null || watch.Namespace == stored.Namespace) && watch.Translate(stored) is { } line)
            {
                watch.Events.Writer.TryWrite(line);
            }
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (FailWith is { } failure)
        {
            await WriteStatusAsync(context, failure, failure == HttpStatusCode.InternalServerError ? "InternalError" : failure.ToString(),
                "an error on the server (\"fake failure\") has prevented the request from succeeding");
            return;
        }

        var path = context.Request.Path.Value ?? "";
        if (path.TrimEnd('/') == "/apis")
        {
            Increment("get", "apis");
            await WriteJsonAsync(context, HttpStatusCode.OK, GroupList());
            return;
        }

        if (!TryRoute(path, out var resource, out var ns, out var name, out var subresource))
        {
            await WriteStatusAsync(context, HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource");
            return;
        }

        if (resource is "tokenreviews" or "subjectaccessreviews")
        {
            await ReviewAsync(context, resource);
            return;
        }

        if (subresource == "scale")
        {
            await ScaleAsync(context, resource, ns!, name!);
            return;
        }

        if (resource == "leases" && (HttpMethods.IsPost(context.Request.Method) || HttpMethods.IsPut(context.Request.Method)))
        {
            await HandleLeaseWriteAsync(context, ns, name);
            return;
        }

        if (HttpMethods.IsPost(context.Request.Method) || HttpMethods.IsPatch(context.Request.Method))
        {
            await HandleWriteAsync(context, resource, ns, name);
            return;
        }

        var query = context.Request.Query;
        if (query.ContainsKey("fieldSelector"))
        {
            await WriteStatusAsync(context, HttpStatusCode.BadRequest, "BadRequest", "the fake API server does not support fieldSelector");
            return;
        }

        var selector = ParseSelector(query["labelSelector"].ToString());
        if (selector is null)
        {
            await WriteStatusAsync(context, HttpStatusCode.BadRequest, "BadRequest", "the fake API server supports only equality label selectors");
            return;
        }

        if (name is not null)
        {
            Increment("get", resource);
            JsonObject? found;
            lock (_lock)
            {
                found = _objects.GetValueOrDefault((resource, ns!, name))?.DeepClone().AsObject();
            }

            if (found is null)
            {
                var group = Resources[resource].GroupVersion.Contains('/', StringComparison.Ordinal) ? Resources[resource].GroupVersion.Split('/')[0] : "";
                var qualified = group.Length > 0 ? $"{resource}.{group}" : resource;
                await WriteStatusAsync(context, HttpStatusCode.NotFound, "NotFound", $"{qualified} \"{name}\" not found",
                    new JsonObject { ["name"] = name, ["group"] = group, ["kind"] = resource });
                return;
            }

            await WriteJsonAsync(context, HttpStatusCode.OK, found);
            return;
        }

        var watch = query["watch"].ToString() is "1" or "true";
        if (watch)
        {
            await WatchAsync(context, resource, ns, selector, query["resourceVersion"].ToString(), query["timeoutSeconds"].ToString());
            return;
        }

        Increment("list", resource);
        var list = new JsonArray();
        string listVersion;
        lock (_lock)
        {
            foreach (var ((r, objectNamespace, _), obj) in _objects.OrderBy(o => o.Key.Namespace, StringComparer.Ordinal).ThenBy(o => o.Key.Name, StringComparer.Ordinal))
            {
                if (r == resource && (ns is null || objectNamespace == ns) && Matches(selector, obj))
                {
                    var item = obj.DeepClone().AsObject();
                    if (resource != "scaledobjects")
                    {
                        // Items of built-in lists carry no kind/apiVersion; custom resources keep theirs.
                        item.Remove("kind");
                        item.Remove("apiVersion");
                    }

                    list.Add(item);
                }
            }

            listVersion = _resourceVersion.ToString(CultureInfo.InvariantCulture);
        }

        await WriteJsonAsync(context, HttpStatusCode.OK, new JsonObject
        {
            ["kind"] = Resources[resource].Kind + "List",
            ["apiVersion"] = Resources[resource].GroupVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = listVersion },
            ["items"] = list,
        });
    }

    private async Task WatchAsync(HttpContext context, string resource, string? ns, Dictionary<string, string> selector, string fromVersion, string timeoutSeconds)
    {
        Increment("watch", resource);
        var watch = new Watch(resource, ns, selector);
        var gone = false;
        lock (_lock)
        {
            if (fromVersion is "" or "0")
            {
                // No resourceVersion: the current state as ADDED events first, then changes.
                foreach (var ((r, objectNamespace, _), obj) in _objects)
                {
                    if (r == resource && (ns is null || objectNamespace == ns) && Matches(selector, obj))
                    {
                        watch.Events.Writer.TryWrite(EventLine("ADDED", obj));
                    }
                }
            }
            else if (long.Parse(fromVersion, CultureInfo.InvariantCulture) < _compactedBefore)
            {
                gone = true;
            }
            else
            {
                var from = long.Parse(fromVersion, CultureInfo.InvariantCulture);
                foreach (var stored in _history)
                {
                    if (stored.ResourceVersion > from && stored.Resource == resource && (ns is null || stored.Namespace == ns) && watch.Translate(stored) is { } line)
                    {
                        watch.Events.Writer.TryWrite(line);
                    }
                }
            }

            if (!gone)
            {
                _watches.Add(watch);
            }
        }

        if (gone)
        {
            var message = $"too old resource version: {fromVersion} ({_compactedBefore})";
            if (GoneAsHttpStatus)
            {
                await WriteStatusAsync(context, HttpStatusCode.Gone, "Expired", message);
                return;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(EventLine("ERROR", StatusObject(HttpStatusCode.Gone, "Expired", message)), context.RequestAborted);
            return;
        }

        using var timeout = int.TryParse(timeoutSeconds, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? new CancellationTokenSource(TimeSpan.FromSeconds(seconds))
            : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, context.RequestAborted);
        try
        {
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(linked.Token);
            await context.Response.Body.FlushAsync(linked.Token);
            await foreach (var line in watch.Events.Reader.ReadAllAsync(linked.Token))
            {
                await context.Response.WriteAsync(line, linked.Token);
                await context.Response.Body.FlushAsync(linked.Token);
            }

            if (watch.Abort)
            {
                context.Abort();
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away, or the watch's timeoutSeconds passed: end the stream.
        }
        finally
        {
            lock (_lock)
            {
                _watches.Remove(watch);
            }
        }
    }

    /// <summary>The Lease <paramref name="name"/> in <paramref name="ns"/> as stored; null when there is none.</summary>
    public JsonObject? Lease(string ns, string name)
    {
        lock (_lock)
        {
            return _objects.GetValueOrDefault(("leases", ns, name))?.DeepClone().AsObject();
        }
    }

    private async Task HandleLeaseWriteAsync(HttpContext context, string? ns, string? name)
    {
        var create = HttpMethods.IsPost(context.Request.Method);
        Increment(create ? "create" : "update", "leases");
        if (FailWritesWith is { } failure)
        {
            await WriteStatusAsync(context, failure, failure.ToString(), "leases.coordination.k8s.io is forbidden (fake)");
            return;
        }

        if (ns is null || (create ? name is not null : name is null)
            || await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) is not JsonObject body)
        {
            await WriteStatusAsync(context, HttpStatusCode.BadRequest, "BadRequest", "a Lease body is expected, by namespace");
            return;
        }

        var metadata = body["metadata"] as JsonObject ?? [];
        var leaseName = create ? (string?)metadata["name"] : name;
        JsonObject? stored = null;
        HttpStatusCode? refused = null;
        lock (_lock)
        {
            var key = ("leases", ns, leaseName ?? "");
            var current = _objects.GetValueOrDefault(key);
            if (create && current is not null)
            {
                refused = HttpStatusCode.Conflict;
            }
            else if (!create && current is null)
            {
                refused = HttpStatusCode.NotFound;
            }
            else if (!create && (string?)metadata["resourceVersion"] != (string?)current!["metadata"]!["resourceVersion"])
            {
                refused = HttpStatusCode.PreconditionFailed;
            }
            else
            {
                metadata["name"] = leaseName;
                metadata["namespace"] = ns;
                body["metadata"] = metadata;
                body["kind"] = "Lease";
                body["apiVersion"] = "coordination.k8s.io/v1";
                Apply(body);
                stored = _objects[key].DeepClone().AsObject();
            }
        }

        switch (refused)
        {
            case HttpStatusCode.Conflict:
                await WriteStatusAsync(context, HttpStatusCode.Conflict, "AlreadyExists", $"leases.coordination.k8s.io \"{leaseName}\" already exists");
                return;
            case HttpStatusCode.NotFound:
                await WriteStatusAsync(context, HttpStatusCode.NotFound, "NotFound", $"leases.coordination.k8s.io \"{leaseName}\" not found");
                return;
            case HttpStatusCode.PreconditionFailed:
                Increment("conflict", "leases");
                await WriteStatusAsync(context, HttpStatusCode.Conflict, "Conflict", $"Operation cannot be fulfilled on leases.coordination.k8s.io \"{leaseName}\": the object has been modified; please apply your changes to the latest version and try again");
                return;
        }

        await WriteJsonAsync(context, create ? HttpStatusCode.Created : HttpStatusCode.OK, stored!);
    }

    private async Task HandleWriteAsync(HttpContext context, string resource, string? ns, string? name)
    {
        var create = HttpMethods.IsPost(context.Request.Method);
        Increment(create ? "create" : "patch", resource);
        if (FailWritesWith is { } failure)
        {
            await WriteStatusAsync(context, failure, failure.ToString(),
                $"{resource}.events.k8s.io is forbidden: User \"system:serviceaccount:scaler-system:scaler\" cannot {(create ? "create" : "patch")} resource \"{resource}\" in API group \"events.k8s.io\" in the namespace \"{ns}\"");
            return;
        }

        if (resource != "events" || ns is null || (create ? name is not null : name is null))
        {
            await WriteStatusAsync(context, HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", "the fake API server writes only events, by namespace");
            return;
        }

        if (await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) is not JsonObject body)
        {
            await WriteStatusAsync(context, HttpStatusCode.BadRequest, "BadRequest", "the request body is not a JSON object");
            return;
        }

        if (create)
        {
            var metadata = body["metadata"] as JsonObject ?? [];
            var eventName = (string?)metadata["name"];
            if ((string?)metadata["namespace"] is { } bodyNamespace && bodyNamespace != ns)
            {
                await WriteStatusAsync(context, HttpStatusCode.BadRequest, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
                return;
            }

            var problems = ValidateEvent(body, ns);
            if (string.IsNullOrEmpty(eventName))
            {
                problems.Insert(0, "metadata.name: Required value: name or generateName is required");
            }

            if (problems.Count > 0)
            {
                await WriteStatusAsync(context, HttpStatusCode.UnprocessableEntity, "Invalid", $"Event.events.k8s.io \"{eventName}\" is invalid: {string.Join(", ", problems)}");
                return;
            }

            JsonObject stored;
            lock (_lock)
            {
                var key = (resource, ns, eventName!);
                if (_objects.ContainsKey(key))
                {
                    stored = null!;
                }
                else
                {
                    metadata["namespace"] = ns;
                    body["metadata"] = metadata;
                    body["kind"] = "Event";
                    body["apiVersion"] = "events.k8s.io/v1";
                    Apply(body);
                    _created.Add(key);
                    stored = _objects[key].DeepClone().AsObject();
                }
            }

            if (stored is null)
            {
                await WriteStatusAsync(context, HttpStatusCode.Conflict, "AlreadyExists", $"events.events.k8s.io \"{eventName}\" already exists");
                return;
            }

            await WriteJsonAsync(context, HttpStatusCode.Created, stored);
            return;
        }

        var contentType = context.Request.ContentType ?? "";
        if (!contentType.StartsWith("application/merge-patch+json", StringComparison.Ordinal) && !contentType.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal))
        {
            await WriteStatusAsync(context, HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", $"the fake API server merges only merge and strategic merge patches, got '{contentType}'");
            return;
        }

        JsonObject? patched;
        List<string> invalid = [];
        lock (_lock)
        {
            patched = _objects.GetValueOrDefault((resource, ns, name!))?.DeepClone().AsObject();
            if (patched is not null)
            {
                MergePatch(patched, body);
                invalid = ValidateEvent(patched, ns);
                if (invalid.Count == 0)
                {
                    Apply(patched);
                    patched = _objects[(resource, ns, name!)].DeepClone().AsObject();
                }
            }
        }

        if (patched is null)
        {
            await WriteStatusAsync(context, HttpStatusCode.NotFound, "NotFound", $"events.events.k8s.io \"{name}\" not found",
                new JsonObject { ["name"] = name, ["group"] = "events.k8s.io", ["kind"] = "events" });
            return;
        }

        if (invalid.Count > 0)
        {
            await WriteStatusAsync(context, HttpStatusCode.UnprocessableEntity, "Invalid", $"Event.events.k8s.io \"{name}\" is invalid: {string.Join(", ", invalid)}");
            return;
        }

        await WriteJsonAsync(context, HttpStatusCode.OK, patched);
    }

    /// <summary>What kube-apiserver refuses in an events.k8s.io/v1 Event (pkg/apis/core/validation, ValidateEventCreate), in its words.</summary>
    private static List<string> ValidateEvent(JsonObject e, string ns)
    {
        var problems = new List<string>();
        void Required(string field)
        {
            if (e[field] is not JsonValue value || string.IsNullOrEmpty(value.ToString()))
            {
                problems.Add($"{field}: Required value");
            }
        }

        Required("eventTime");
        if ((string?)e["eventTime"] is { } eventTime && !DateTime.TryParseExact(eventTime, "yyyy-MM-dd'T'HH:mm:ss.ffffffK", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            // metav1.MicroTime is parsed with RFC3339Micro: exactly six fraction digits.
            problems.Add($"eventTime: Invalid value: parsing time \"{eventTime}\" as \"2006-01-02T15:04:05.000000Z07:00\"");
        }

        Required("reportingController");
        Required("reportingInstance");
        Required("action");
        Required("reason");
        if ((string?)e["type"] is not ("Normal" or "Warning"))
        {
            problems.Add($"type: Unsupported value: \"{(string?)e["type"]}\": supported values: \"Normal\", \"Warning\"");
        }

        if ((string?)e["note"] is { } note && Encoding.UTF8.GetByteCount(note) > 1024)
        {
            problems.Add("note: Too long: may not be more than 1024 bytes");
        }

        if (((string?)e["reportingInstance"])?.Length > 128)
        {
            problems.Add("reportingInstance: Too long: may not be more than 128 bytes");
        }

        if (e["regarding"] is not JsonObject regarding || (string?)regarding["name"] is null || (string?)regarding["kind"] is null)
        {
            problems.Add("regarding: Required value");
        }
        else if ((string?)regarding["namespace"] is { } regardingNamespace && regardingNamespace != ns)
        {
            problems.Add("regarding.namespace: Invalid value: does not match event.namespace");
        }

        if (e["series"] is JsonObject series && ((int?)series["count"] < 2 || (string?)series["lastObservedTime"] is null))
        {
            problems.Add("series.count: Invalid value: should be at least 2; series.lastObservedTime: Required value");
        }

        return problems;
    }

    /// <summary>RFC 7386: objects merge key by key, null deletes, anything else replaces.</summary>
    private static void MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject patchObject && target[key] is JsonObject targetObject)
            {
                MergePatch(targetObject, patchObject);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }

    /// <summary>The groups of the resources served, as discovery lists them (each with its one version).</summary>
    private static JsonObject GroupList()
    {
        var groups = new JsonArray();
        foreach (var groupVersion in Resources.Values.Select(r => r.GroupVersion).Where(g => g.Contains('/', StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var (group, version) = (groupVersion.Split('/')[0], groupVersion.Split('/')[1]);
            var versionObject = new JsonObject { ["groupVersion"] = groupVersion, ["version"] = version };
            groups.Add(new JsonObject { ["name"] = group, ["versions"] = new JsonArray(versionObject.DeepClone()), ["preferredVersion"] = versionObject });
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    /// <summary>GET of an object's <c>/scale</c> (autoscaling/v1 Scale): spec.replicas, status.replicas and the selector as a string.</summary>
    private async Task ScaleAsync(HttpContext context, string resource, string ns, string name)
    {
        Increment("get", resource + "/scale");
        JsonObject? found;
        lock (_lock)
        {
            found = Scalable.Contains(resource) ? _objects.GetValueOrDefault((resource, ns, name))?.DeepClone().AsObject() : null;
        }

        if (found is null)
        {
            await WriteStatusAsync(context, HttpStatusCode.NotFound, "NotFound", $"{resource} \"{name}\" not found");
            return;
        }

        var metadata = found["metadata"]!.AsObject();
        var selector = (string?)found["status"]?["hpaPodSelector"] ?? SelectorText(found["spec"]?["selector"] as JsonObject);
        await WriteJsonAsync(context, HttpStatusCode.OK, new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["uid"] = metadata["uid"]?.DeepClone(),
                ["resourceVersion"] = metadata["resourceVersion"]?.DeepClone(),
                ["creationTimestamp"] = metadata["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = found["spec"]?["replicas"]?.DeepClone() ?? 1 },
            ["status"] = new JsonObject { ["replicas"] = found["status"]?["replicas"]?.DeepClone() ?? 0, ["selector"] = selector },
        });
    }

    // A LabelSelector as the string form kube-apiserver puts in a Scale's status.selector.
    private static string? SelectorText(JsonObject? selector)
    {
        if (selector is null)
        {
            return null;
        }

        var parts = new List<string>();
        foreach (var (key, value) in (selector["matchLabels"] as JsonObject ?? []).OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            parts.Add($"{key}={(string?)value}");
        }

        foreach (var expression in selector["matchExpressions"] as JsonArray ?? [])
        {
            var values = string.Join(',', (expression!["values"] as JsonArray ?? []).Select(v => (string?)v));
            parts.Add(((string?)expression["operator"]) switch
            {
                "In" => $"{expression["key"]} in ({values})",
                "NotIn" => $"{expression["key"]} notin ({values})",
                "Exists" => $"{expression["key"]}",
                _ => $"!{expression["key"]}",
            });
        }

        return string.Join(',', parts);
    }

    /// <summary>A TokenReview or SubjectAccessReview: the request's spec answered in its status, as kube-apiserver does.</summary>
    private async Task ReviewAsync(HttpContext context, string resource)
    {
        Increment("create", resource);
        if (!HttpMethods.IsPost(context.Request.Method) || await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) is not JsonObject body || body["spec"] is not JsonObject spec)
        {
            await WriteStatusAsync(context, HttpStatusCode.BadRequest, "BadRequest", $"{resource}: expected a POST with a spec");
            return;
        }

        JsonObject status;
        if (resource == "tokenreviews")
        {
            var answer = TokenReviews((string?)spec["token"] ?? "");
            status = answer is { } user
                ? new JsonObject
                {
                    ["authenticated"] = true,
                    ["user"] = new JsonObject { ["username"] = user.User, ["uid"] = "3f1b2c4d-0000-4000-8000-000000000007", ["groups"] = new JsonArray([.. user.Groups.Select(g => (JsonNode)JsonValue.Create(g)!)]) },
                    ["audiences"] = new JsonArray("https://kubernetes.default.svc.cluster.local"),
                }
                : new JsonObject { ["user"] = new JsonObject(), ["error"] = "invalid bearer token" };
            spec.Remove("token");
        }
        else
        {
            lock (_lock)
            {
                _reviewed.Add((JsonObject)spec.DeepClone());
            }

            var allowed = AccessReviews(spec);
            status = allowed ? new JsonObject { ["allowed"] = true, ["reason"] = "RBAC: allowed by ClusterRoleBinding \"test\"" } : new JsonObject { ["allowed"] = false };
        }

        body["status"] = status;
        body["metadata"] = new JsonObject { ["creationTimestamp"] = null };
        await WriteJsonAsync(context, HttpStatusCode.Created, body);
    }

    private void Increment(string verb, string resource) => _counts.AddOrUpdate($"{verb} {resource}", 1, static (_, n) => n + 1);

    private static bool TryRoute(string path, out string resource, out string? ns, out string? name, out string? subresource)
    {
        resource = "";
        ns = null;
        name = null;
        subresource = null;
        var parts = path.Trim('/').Split('/');
        string groupVersion;
        int rest;
        if (parts is ["api", "v1", ..])
        {
            groupVersion = "v1";
            rest = 2;
        }
        else if (parts.Length >= 3 && parts[0] == "apis")
        {
            groupVersion = $"{parts[1]}/{parts[2]}";
            rest = 3;
        }
        else
        {
            return false;
        }

        var tail = parts[rest..];
        switch (tail)
        {
            case ["namespaces", var n, var r]:
                ns = n;
                resource = r;
                break;
            case ["namespaces", var n, var r, var objectName]:
                ns = n;
                resource = r;
                name = objectName;
                break;
            case ["namespaces", var n, var r, var objectName, var sub]:
                ns = n;
                resource = r;
                name = objectName;
                subresource = sub;
                break;
            case [var r]:
                resource = r;
                break;
            default:
                return false;
        }

        return Resources.TryGetValue(resource, out var known) && known.GroupVersion == groupVersion;
    }

    private static Dictionary<string, string>? ParseSelector(string text)
    {
        var selector = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Replace("==", "=", StringComparison.Ordinal).Split('=');
            if (pieces.Length != 2 || pieces[0].EndsWith('!') || pieces[0].Contains(' ', StringComparison.Ordinal))
            {
                return null;
            }

            selector[pieces[0].Trim()] = pieces[1].Trim();
        }

        return selector;
    }

    private static bool Matches(Dictionary<string, string> selector, JsonObject? obj)
    {
        if (obj is null)
        {
            return false;
        }

        var labels = obj["metadata"]?["labels"] as JsonObject;
        return selector.All(s => labels?[s.Key] is JsonValue value && (string?)value == s.Value);
    }

    private static string EventLine(string type, JsonObject obj) =>
        new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n";

    private static JsonObject StatusObject(HttpStatusCode code, string reason, string message, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = (int)code,
        };
        if (details is not null)
        {
            status["details"] = details;
        }

        return status;
    }

    private static Task WriteStatusAsync(HttpContext context, HttpStatusCode code, string reason, string message, JsonObject? details = null) =>
        WriteJsonAsync(context, code, StatusObject(code, reason, message, details));

    private static async Task WriteJsonAsync(HttpContext context, HttpStatusCode code, JsonObject body)
    {
        context.Response.StatusCode = (int)code;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body.ToJsonString()), context.RequestAborted);
    }

    private sealed record StoredEvent(long ResourceVersion, string Resource, string Namespace, string Type, JsonObject? Old, JsonObject New);

    private sealed class Watch(string resource, string? ns, Dictionary<string, string> selector)
    {
        public string Resource { get; } = resource;

        public string? Namespace { get; } = ns;

        public Channel<string> Events { get; } = Channel.CreateUnbounded<string>();

        public volatile bool Abort;

        /// <summary>The event this watcher sees: with a selector, objects entering it are ADDED and leaving it DELETED.</summary>
        public string? Translate(StoredEvent stored)
        {
            var wasIn = stored.Old is not null && Matches(selector, stored.Old);
            var isIn = stored.Type != "DELETED" && Matches(selector, stored.New);
            var type = (wasIn, isIn) switch
            {
                (false, true) => "ADDED",
                (true, true) => "MODIFIED",
                (true, false) => "DELETED",
                _ => null,
            };
            return type is null ? null : EventLine(type, stored.New);
        }
    }
}

/// <summary>Realistic Kubernetes objects as the API server returns them, for <see cref="FakeKubeApi.Apply"/>.</summary>
internal static class FakeKubeObjects
{
    /// <summary>A running pod of a Deployment's ReplicaSet, with its node, IP and readiness conditions.</summary>
    public static JsonObject Pod(string ns, string name, IReadOnlyDictionary<string, string> labels, string? node = "gpu-node-1", string? ip = "10.0.1.5", bool ready = true, bool terminating = false)
    {
        var metadata = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = ns,
            ["labels"] = Labels(labels),
            ["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "ReplicaSet",
                ["name"] = name[..Math.Max(1, name.LastIndexOf('-'))],
                ["uid"] = "5f1d3c9e-0000-4000-8000-000000000001",
                ["controller"] = true,
                ["blockOwnerDeletion"] = true,
            }),
        };
        if (terminating)
        {
            metadata["deletionTimestamp"] = "2026-05-01T12:05:00Z";
            metadata["deletionGracePeriodSeconds"] = 30;
        }

        var readyStatus = ready ? "True" : "False";
        var status = new JsonObject
        {
            ["phase"] = node is null ? "Pending" : "Running",
            ["hostIP"] = node is null ? null : "192.168.0.11",
            ["conditions"] = new JsonArray(
                Condition("PodReadyToStartContainers", "True"),
                Condition("Initialized", "True"),
                Condition("Ready", readyStatus),
                Condition("ContainersReady", readyStatus),
                Condition("PodScheduled", node is null ? "False" : "True")),
            ["qosClass"] = "Burstable",
            ["startTime"] = "2026-05-01T12:00:01Z",
        };
        if (ip is not null)
        {
            status["podIP"] = ip;
            status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = ip });
        }

        var spec = new JsonObject
        {
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = "vllm",
                ["image"] = "vllm/vllm-openai:v0.6.3",
                ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 8000, ["name"] = "http", ["protocol"] = "TCP" }),
                ["resources"] = new JsonObject { ["limits"] = new JsonObject { ["nvidia.com/gpu"] = "1" } },
            }),
            ["restartPolicy"] = "Always",
            ["schedulerName"] = "default-scheduler",
            ["terminationGracePeriodSeconds"] = 30,
        };
        if (node is not null)
        {
            spec["nodeName"] = node;
        }

        return new JsonObject { ["kind"] = "Pod", ["apiVersion"] = "v1", ["metadata"] = metadata, ["spec"] = spec, ["status"] = status };
    }

    /// <summary>A Deployment whose <c>spec.selector</c> has <paramref name="matchLabels"/> and optional matchExpressions (key, operator, values).</summary>
    public static JsonObject Deployment(string ns, string name, IReadOnlyDictionary<string, string> matchLabels, params (string Key, string Operator, string[] Values)[] matchExpressions) =>
        Workload("Deployment", ns, name, matchLabels, matchExpressions, new JsonObject
        {
            ["strategy"] = new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["maxSurge"] = "25%", ["maxUnavailable"] = "25%" } },
            ["revisionHistoryLimit"] = 10,
            ["progressDeadlineSeconds"] = 600,
        });

    public static JsonObject StatefulSet(string ns, string name, IReadOnlyDictionary<string, string> matchLabels, params (string Key, string Operator, string[] Values)[] matchExpressions) =>
        Workload("StatefulSet", ns, name, matchLabels, matchExpressions, new JsonObject
        {
            ["serviceName"] = name,
            ["podManagementPolicy"] = "OrderedReady",
            ["updateStrategy"] = new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["partition"] = 0 } },
        });

    /// <summary>
    /// A ScaledObject as KEDA stores it (spec, finalizer, status). <paramref name="targetKind"/> and
    /// <paramref name="targetApiVersion"/> null leave them out of <c>scaleTargetRef</c>, as users usually do.
    /// </summary>
    public static JsonObject ScaledObject(string ns, string name, string targetName, string? targetKind = null, string? targetApiVersion = null)
    {
        var target = new JsonObject { ["name"] = targetName };
        if (targetKind is not null)
        {
            target["kind"] = targetKind;
        }

        if (targetApiVersion is not null)
        {
            target["apiVersion"] = targetApiVersion;
        }

        return new JsonObject
        {
            ["apiVersion"] = "keda.sh/v1alpha1",
            ["kind"] = "ScaledObject",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["generation"] = 1,
                ["finalizers"] = new JsonArray("finalizer.keda.sh"),
                ["labels"] = new JsonObject { ["scaledobject.keda.sh/name"] = name },
            },
            ["spec"] = new JsonObject
            {
                ["scaleTargetRef"] = target,
                ["minReplicaCount"] = 1,
                ["maxReplicaCount"] = 8,
                ["pollingInterval"] = 30,
                ["cooldownPeriod"] = 300,
                ["triggers"] = new JsonArray(new JsonObject
                {
                    ["type"] = "external",
                    ["metadata"] = new JsonObject { ["scalerAddress"] = "scaler.scaler-system.svc.cluster.local:9090", ["signal"] = "gpu" },
                }),
            },
            ["status"] = new JsonObject
            {
                ["scaleTargetKind"] = $"{targetApiVersion ?? "apps/v1"}.{targetKind ?? "Deployment"}",
                ["originalReplicaCount"] = 1,
                ["externalMetricNames"] = new JsonArray("s0-gpu"),
                ["hpaName"] = $"keda-hpa-{name}",
                ["conditions"] = new JsonArray(
                    Condition("Ready", "True", "ScaledObjectReady", "ScaledObject is defined correctly and is ready for scaling"),
                    Condition("Active", "False", "ScalerNotActive", "Scaling is not performed because triggers are not active"),
                    Condition("Fallback", "False", "NoFallbackFound", "No fallbacks are active on this scaled object")),
            },
        };
    }

    private static JsonObject Workload(string kind, string ns, string name, IReadOnlyDictionary<string, string> matchLabels, (string Key, string Operator, string[] Values)[] matchExpressions, JsonObject extraSpec)
    {
        var selector = new JsonObject { ["matchLabels"] = Labels(matchLabels) };
        if (matchExpressions.Length > 0)
        {
            selector["matchExpressions"] = new JsonArray(matchExpressions.Select(e => (JsonNode)new JsonObject
            {
                ["key"] = e.Key,
                ["operator"] = e.Operator,
                ["values"] = new JsonArray(e.Values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()),
            }).ToArray());
        }

        var spec = new JsonObject
        {
            ["replicas"] = 2,
            ["selector"] = selector,
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = Labels(matchLabels) },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "vllm", ["image"] = "vllm/vllm-openai:v0.6.3" }) },
            },
        };
        foreach (var (key, value) in extraSpec.ToList())
        {
            extraSpec.Remove(key);
            spec[key] = value;
        }

        return new JsonObject
        {
            ["kind"] = kind,
            ["apiVersion"] = "apps/v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["generation"] = 1, ["labels"] = Labels(matchLabels) },
            ["spec"] = spec,
            ["status"] = new JsonObject { ["replicas"] = 2, ["readyReplicas"] = 2, ["observedGeneration"] = 1 },
        };
    }

    private static JsonObject Labels(IReadOnlyDictionary<string, string> labels) =>
        new(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)JsonValue.Create(l.Value))));

    private static JsonObject Condition(string type, string status, string? reason = null, string? message = null)
    {
        var condition = new JsonObject { ["type"] = type, ["status"] = status, ["lastProbeTime"] = null, ["lastTransitionTime"] = "2026-05-01T12:00:05Z" };
        if (reason is not null)
        {
            condition["reason"] = reason;
            condition["message"] = message;
        }

        return condition;
    }
}
