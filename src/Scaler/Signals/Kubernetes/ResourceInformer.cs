using System.Collections.Immutable;
using System.Net;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;

namespace Scaler.Signals.Kubernetes;

/// <summary>How an informer lists and watches one kind of object in one scope (a namespace, or all of them).</summary>
/// <typeparam name="TObject">The object as the API returns it (<c>V1Pod</c>, <c>V1Deployment</c>, a custom object as JSON).</typeparam>
internal interface IResourceWatchClient<TObject>
{
    /// <summary>What the informer watches, for logs and reasons: "pods in namespace llm".</summary>
    string Description { get; }

    /// <summary>A consistent list: the items and the list's <c>metadata.resourceVersion</c>.</summary>
    Task<(IReadOnlyList<TObject> Items, string ResourceVersion)> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Opens a watch from <paramref name="resourceVersion"/>; the task completes once the server answered
    /// (the watch is connected). Status objects in the stream (ERROR events) go to <paramref name="onError"/>
    /// as <see cref="KubernetesException"/>; the stream ends when the server closes it.
    /// </summary>
    Task<IAsyncEnumerable<(WatchEventType Type, TObject Object)>> WatchAsync(string resourceVersion, TimeSpan timeout, Action<Exception> onError, CancellationToken cancellationToken);
}

/// <summary>A cached object reduced to what the Scaler needs, with its key (name, or namespace/name) and resourceVersion.</summary>
internal readonly record struct CachedObject<TItem>(string Key, string? ResourceVersion, TItem Item);

/// <summary>The state of an informer's cache, as callers see it.</summary>
/// <param name="Synced">A list has completed: the store holds a real view (possibly empty).</param>
/// <param name="BrokenSince">When the list/watch started failing without recovering since; null while healthy.</param>
/// <param name="LastError">Why it is failing (a status code or transport error; never a credential).</param>
internal readonly record struct InformerHealth(bool Synced, DateTimeOffset? BrokenSince, string? LastError);

/// <summary>
/// An informer-style cache of one kind of object in one scope: LIST, then WATCH from the list's
/// resourceVersion, applying ADDED/MODIFIED/DELETED to an immutable in-memory store that readers take
/// without locks. A watch the server closes is re-opened at once from the last resourceVersion seen; a
/// failed watch or list is retried after a jittered exponential backoff; 410 Gone (the resourceVersion is
/// older than the server's history) re-lists. Started once, runs until disposed.
/// </summary>
internal sealed partial class ResourceInformer<TObject, TItem> : IAsyncDisposable, IInformerInfo
{
    private static readonly TimeSpan WatchGrace = TimeSpan.FromSeconds(30);

    private readonly IResourceWatchClient<TObject> _client;
    private readonly Func<TObject, CachedObject<TItem>?> _project;
    private readonly KubernetesOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstSync = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _stateLock = new();
    private volatile ImmutableDictionary<string, TItem> _items = ImmutableDictionary<string, TItem>.Empty.WithComparers(StringComparer.Ordinal);
    private InformerHealth _health;
    private Task _loop = Task.CompletedTask;
    private long _lists;

    /// <param name="client">Lists and watches the objects.</param>
    /// <param name="project">Reduces an object to its cached item; null skips the object.</param>
    public ResourceInformer(IResourceWatchClient<TObject> client, Func<TObject, CachedObject<TItem>?> project, KubernetesOptions options, TimeProvider time, ILogger logger)
    {
        _client = client;
        _project = project;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public string Description => _client.Description;

    /// <summary>The current items by key; a snapshot, safe to enumerate.</summary>
    public ImmutableDictionary<string, TItem> Items => _items;

    /// <summary>How many LIST requests this informer made (a LIST per read would defeat the cache).</summary>
    public long ListCount => Interlocked.Read(ref _lists);

    public InformerHealth Health
    {
        get
        {
            lock (_stateLock)
            {
                return _health;
            }
        }
    }

    /// <summary>Completes when the first list has been stored.</summary>
    public Task FirstSync => _firstSync.Task;

    public void Start() => _loop = Task.Run(() => RunAsync(_stopping.Token));

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        // Consecutive attempts that made no progress (a failed list, a failed watch, a watch that ended
        // without delivering an event). Every event delivered resets it; each failure doubles the wait.
        var failures = 0;
        string? resourceVersion = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (failures > 0)
            {
                await Task.Delay(Backoff(failures), _time, cancellationToken).ConfigureAwait(false);
            }

            if (resourceVersion is null)
            {
                try
                {
                    Interlocked.Increment(ref _lists);
                    var (objects, listVersion) = await _client.ListAsync(cancellationToken).ConfigureAwait(false);
                    Replace(objects);
                    resourceVersion = listVersion;
                    MarkHealthy(synced: true);
                    _firstSync.TrySetResult();
                    LogListed(_logger, Description, objects.Count, listVersion);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    failures++;
                    var error = Describe(e);
                    MarkBroken(error);
                    LogListFailed(_logger, Description, error, failures);
                    continue;
                }
            }

            var progressed = false;
            Exception? watchError = null;
            var gone = false;

            // The server ends a watch after WatchTimeout; one still open well after that sits on a dead
            // connection that never saw a reset (a half-open TCP stream), so it is abandoned and re-opened.
            using var deadline = new CancellationTokenSource(_options.WatchTimeout + WatchGrace, _time);
            using var watchCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            try
            {
                var events = await _client.WatchAsync(resourceVersion, _options.WatchTimeout, e =>
                {
                    if (IsGone(e))
                    {
                        gone = true;
                    }
                    else
                    {
                        watchError ??= e;
                    }
                }, watchCancellation.Token).ConfigureAwait(false);
                MarkHealthy(synced: true);
                await foreach (var (type, obj) in events.WithCancellation(watchCancellation.Token).ConfigureAwait(false))
                {
                    resourceVersion = Apply(type, obj) ?? resourceVersion;
                    progressed = true;
                    failures = 0;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                LogWatchAbandoned(_logger, Description, _options.WatchTimeout + WatchGrace);
            }
            catch (Exception e) when (IsGone(e))
            {
                gone = true;
            }
            catch (Exception e)
            {
                watchError = e;
            }

            if (gone)
            {
                // The server no longer has history back to our resourceVersion: events were lost, re-list.
                LogGone(_logger, Description, resourceVersion);
                resourceVersion = null;
                failures = progressed ? 0 : failures + 1;
            }
            else if (watchError is not null)
            {
                failures = progressed ? 1 : failures + 1;
                var error = Describe(watchError);
                MarkBroken(error);
                LogWatchFailed(_logger, Description, error, resourceVersion);
            }
            else if (!progressed)
            {
                // A server that closes watches at once without events would otherwise be hammered.
                failures++;
            }
        }
    }

    private string? Apply(WatchEventType type, TObject obj)
    {
        if (obj is null || _project(obj) is not { } cached)
        {
            return null;
        }

        if (type == WatchEventType.Bookmark || cached.Key.Length == 0)
        {
            return cached.ResourceVersion;
        }

        switch (type)
        {
            case WatchEventType.Added:
            case WatchEventType.Modified:
                _items = _items.SetItem(cached.Key, cached.Item);
                break;
            case WatchEventType.Deleted:
                _items = _items.Remove(cached.Key);
                break;
            default:
                break;
        }

        return cached.ResourceVersion;
    }

    private void Replace(IReadOnlyList<TObject> objects)
    {
        var builder = ImmutableDictionary.CreateBuilder<string, TItem>(StringComparer.Ordinal);
        foreach (var obj in objects)
        {
            if (_project(obj) is { } cached && cached.Key.Length > 0)
            {
                builder[cached.Key] = cached.Item;
            }
        }

        _items = builder.ToImmutable();
    }

    private void MarkHealthy(bool synced)
    {
        lock (_stateLock)
        {
            _health = new InformerHealth(synced || _health.Synced, null, null);
        }
    }

    private void MarkBroken(string error)
    {
        lock (_stateLock)
        {
            _health = _health with { BrokenSince = _health.BrokenSince ?? _time.GetUtcNow(), LastError = error };
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var exponent = Math.Min(failures - 1, 20);
        var ticks = Math.Min(_options.MaxBackoff.Ticks, _options.InitialBackoff.Ticks * (1L << exponent));
#pragma warning disable CA5394 // Jitter spreads retries of many Scaler replicas; it is not security-sensitive.
        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
#pragma warning restore CA5394
        return TimeSpan.FromTicks((long)(ticks * jitter));
    }

    private static bool IsGone(Exception e) => e switch
    {
        KubernetesException { Status.Code: 410 } => true,
        HttpOperationException { Response.StatusCode: HttpStatusCode.Gone } => true,
        _ => false,
    };

    /// <summary>An error in words without credentials: a status code and reason, or the transport error's type and message.</summary>
    internal static string Describe(Exception e) => e switch
    {
        HttpOperationException { Response: { } response } => $"HTTP {(int)response.StatusCode} {response.StatusCode}",
        KubernetesException { Status: { } status } => $"{status.Code} {status.Reason}: {status.Message}",
        HttpRequestException { StatusCode: { } code } => $"HTTP {(int)code} {code}",
        _ => $"{e.GetType().Name}: {e.Message}",
    };

    [LoggerMessage(EventId = 401, Level = LogLevel.Debug, Message = "Listed {Description}: {Count} objects at resourceVersion {ResourceVersion}")]
    private static partial void LogListed(ILogger logger, string description, int count, string resourceVersion);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Listing {Description} failed ({Error}); attempt {Attempt}, retrying with backoff")]
    private static partial void LogListFailed(ILogger logger, string description, string error, int attempt);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "Watch of {Description} failed ({Error}); re-watching from resourceVersion {ResourceVersion} with backoff")]
    private static partial void LogWatchFailed(ILogger logger, string description, string error, string resourceVersion);

    [LoggerMessage(EventId = 407, Level = LogLevel.Information, Message = "Watch of {Description} still open after {Limit} without the server ending it; abandoning the connection and re-watching")]
    private static partial void LogWatchAbandoned(ILogger logger, string description, TimeSpan limit);

    [LoggerMessage(EventId = 404, Level = LogLevel.Information, Message = "Watch of {Description}: resourceVersion {ResourceVersion} is too old (410 Gone); re-listing")]
    private static partial void LogGone(ILogger logger, string description, string? resourceVersion);
}
