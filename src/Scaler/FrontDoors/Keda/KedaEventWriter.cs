using System.Globalization;
using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scaler.Signals.Kubernetes;
using Scaler.Signals;
using Scaler.Triggers;
using k8s.Autorest;
using k8s.Models;
using k8s;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// Writes decisions, and trigger metadata refused, as Kubernetes Events (events.k8s.io/v1) on the ScaledObject's
/// scale target, downstream of the decisions: <see cref="KedaDecisions.DecisionChanged"/> and
/// <see cref="KedaTriggerCache.Rejected"/> only put <see cref="DecisionEvent"/>s in a bounded queue
/// (drop-oldest, counted), and this service drains it. A gRPC call never waits on, or fails
/// because of, the API server.
/// <list type="bullet">
/// <item>Involved object (<c>regarding</c>): the scale target from the ScaledObject cache
///   (<see cref="IWorkloadPods.GetScaleTarget"/>), else the ScaledObject itself.</item>
/// <item>Aggregation, as client-go's recorder: the same object, type, reason, action, trigger and change within
///   <see cref="KedaEventsOptions.AggregationWindow"/> of its last occurrence patches the earlier event's
///   <c>series</c> (count from 2, lastObservedTime) instead of creating one; a series whose event has expired
///   (404) starts a new event.</item>
/// <item>Rate limit per involved object: a token bucket (<see cref="KedaEventsOptions.Burst"/>, one token per
///   <see cref="KedaEventsOptions.RefillInterval"/>); a repeat over the limit still counts in the series, so the
///   next write carries the right count.</item>
/// <item>Out of a cluster, or with <see cref="KedaEventsOptions.Enabled"/> false: nothing is queued; logged once.</item>
/// </list>
/// Only one reader touches the aggregation and rate-limit state, so it needs no lock.
/// </summary>
internal sealed partial class KedaEventWriter : BackgroundService
{
    private const int MaxTracked = 4096;
    private const int MaxEventNameLength = 253;

    private readonly KedaDecisions _decisions;
    private readonly KedaTriggerCache _triggers;
    private readonly IWorkloadPods _pods;
    private readonly IKubernetes? _client;
    private readonly string? _noClientReason;
    private readonly KedaEventsOptions _options;
    private readonly string _instance;
    private readonly KedaMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Channel<DecisionEvent> _queue;
    private readonly Dictionary<SeriesKey, Series> _series = [];
    private readonly Dictionary<(string Kind, string Namespace, string Name), Bucket> _buckets = [];
    private readonly HashSet<string> _namespacesWaitedFor = new(StringComparer.Ordinal);
    private long _lastNameNanos;
    private bool _failing;

    public KedaEventWriter(KedaDecisions decisions, KedaTriggerCache triggers, IWorkloadPods pods, KubernetesCluster cluster, IOptions<KedaEventsOptions> options, KedaMetrics metrics, TimeProvider time, ILogger<KedaEventWriter> log)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(options);
        _decisions = decisions;
        _triggers = triggers;
        _pods = pods;
        _options = options.Value;
        _client = _options.Enabled ? cluster.Client : null;
        _noClientReason = !_options.Enabled ? $"{KedaEventsOptions.SectionName}:{nameof(KedaEventsOptions.Enabled)} is false" : cluster.UnavailableReason ?? KubernetesCluster.NoClusterReason;
        _instance = _options.Instance;
        _metrics = metrics;
        _time = time;
        _log = log;
        _queue = Channel.CreateBounded<DecisionEvent>(
            new BoundedChannelOptions(_options.QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => _metrics.EventsDropped.WithLabels("queue_full").Inc());
    }

    /// <summary>Events waiting to be written.</summary>
    internal int Queued => _queue.Reader.Count;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_client is null)
        {
            LogEventsOff(_log, _noClientReason!);
        }
        else
        {
            _decisions.DecisionChanged += Enqueue;
            _triggers.Rejected += Enqueue;
        }

        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _decisions.DecisionChanged -= Enqueue;
        _triggers.Rejected -= Enqueue;
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_client is null)
        {
            return;
        }

        try
        {
            await foreach (var item in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await WriteAsync(_client, item, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: queued events are dropped with the process.
        }
    }

    /// <summary>Queues the events <paramref name="change"/> yields (none out of a cluster). On the deciding gRPC call's thread: never blocks, never throws.</summary>
    internal void Enqueue(DecisionChange change)
    {
        if (_client is null)
        {
            return;
        }

        foreach (var item in KedaEvents.For(change))
        {
            _queue.Writer.TryWrite(item);
        }
    }

    /// <summary>Queues the Warning for refused metadata (none out of a cluster). On the gRPC call's thread: never blocks, never throws.</summary>
    internal void Enqueue(MetadataRejection rejection)
    {
        if (_client is not null)
        {
            _queue.Writer.TryWrite(KedaEvents.For(rejection));
        }
    }

    private async Task WriteAsync(IKubernetes client, DecisionEvent item, CancellationToken stoppingToken)
    {
        var regarding = await ResolveAsync(item.ScaledObject, stoppingToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var key = new SeriesKey(regarding.Kind, regarding.Namespace, regarding.Name, item.Type, item.Reason, item.Action, item.MetricName, item.Summary);
        using var timeout = new CancellationTokenSource(_options.WriteTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
        try
        {
            if (_series.TryGetValue(key, out var series) && now - series.LastObserved <= _options.AggregationWindow)
            {
                // A repeat: counted even when the bucket is empty, so the next write carries the right count.
                series.Count++;
                series.LastObserved = now;
                if (!TakeToken(regarding, now))
                {
                    _metrics.EventsDropped.WithLabels("rate_limited").Inc();
                    return;
                }

                try
                {
                    await client.EventsV1.PatchNamespacedEventAsync(SeriesPatch(series), series.EventName, regarding.Namespace, cancellationToken: linked.Token).ConfigureAwait(false);
                    Written("patched");
                    return;
                }
                catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
                {
                    // The event expired (the API server's event TTL, 1 h by default): start a new one.
                    _series.Remove(key);
                }
            }
            else if (!TakeToken(regarding, now))
            {
                _metrics.EventsDropped.WithLabels("rate_limited").Inc();
                return;
            }

            var name = EventName(regarding.Name, now);
            await client.EventsV1.CreateNamespacedEventAsync(NewEvent(name, regarding, item, now), regarding.Namespace, cancellationToken: linked.Token).ConfigureAwait(false);
            Remember(key, new Series(name, now));
            Written("created");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A failed event is counted and logged; it never reaches a decision.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _metrics.EventsWritten.WithLabels("failed").Inc();
            if (!_failing)
            {
                _failing = true;
                LogWriteFailed(_log, item.Reason, regarding.Kind, regarding.Namespace, regarding.Name, Describe(e));
            }
        }
    }

    private void Written(string result)
    {
        _metrics.EventsWritten.WithLabels(result).Inc();
        if (_failing)
        {
            _failing = false;
            LogWritesRecovered(_log);
        }
    }

    private async Task<ScaleTarget> ResolveAsync(ScaledObjectKey scaledObject, CancellationToken stoppingToken)
    {
        var target = _pods.GetScaleTarget(scaledObject.Namespace, scaledObject.Name);
        if (target is null && _namespacesWaitedFor.Add(scaledObject.Namespace))
        {
            // The first event of a namespace: asking just started its ScaledObject cache; give it a moment to list.
            var until = _time.GetUtcNow() + _options.TargetWait;
            while (target is null && _time.GetUtcNow() < until)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), _time, stoppingToken).ConfigureAwait(false);
                target = _pods.GetScaleTarget(scaledObject.Namespace, scaledObject.Name);
            }
        }

        if (target is null)
        {
            LogTargetUnknown(_log, scaledObject);
        }

        return target ?? new ScaleTarget($"{KubernetesResources.KedaGroup}/{KubernetesResources.KedaVersion}", "ScaledObject", scaledObject.Namespace, scaledObject.Name, null);
    }

    private bool TakeToken(ScaleTarget regarding, DateTimeOffset now)
    {
        var key = (regarding.Kind, regarding.Namespace, regarding.Name);
        if (!_buckets.TryGetValue(key, out var bucket))
        {
            if (_buckets.Count >= MaxTracked)
            {
                // A full bucket behaves as no bucket: forget those first, then everything if still too many.
                foreach (var full in _buckets.Where(b => b.Value.TokensAt(now, _options) >= _options.Burst).Select(b => b.Key).ToList())
                {
                    _buckets.Remove(full);
                }

                if (_buckets.Count >= MaxTracked)
                {
                    _buckets.Clear();
                }
            }

            bucket = new Bucket(_options.Burst, now);
            _buckets[key] = bucket;
        }

        return bucket.TryTake(now, _options);
    }

    private void Remember(SeriesKey key, Series series)
    {
        if (_series.Count >= MaxTracked)
        {
            var now = _time.GetUtcNow();
            foreach (var old in _series.Where(s => now - s.Value.LastObserved > _options.AggregationWindow).Select(s => s.Key).ToList())
            {
                _series.Remove(old);
            }

            if (_series.Count >= MaxTracked)
            {
                _series.Clear();
            }
        }

        _series[key] = series;
    }

    private Eventsv1Event NewEvent(string name, ScaleTarget regarding, DecisionEvent item, DateTimeOffset now) => new()
    {
        ApiVersion = "events.k8s.io/v1",
        Kind = "Event",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = regarding.Namespace },
        EventTime = EventTime(now),
        ReportingController = _options.ReportingController,
        ReportingInstance = _instance,
        Action = item.Action,
        Reason = item.Reason,
        Type = item.Type,
        Note = item.Note,
        Regarding = new V1ObjectReference
        {
            ApiVersion = regarding.ApiVersion,
            Kind = regarding.Kind,
            NamespaceProperty = regarding.Namespace,
            Name = regarding.Name,
            Uid = regarding.Uid,
        },
    };

    /// <summary>client-go's naming: the object's name, a dot, the event time in hex nanoseconds (kept increasing here so two events never collide).</summary>
    private string EventName(string objectName, DateTimeOffset now)
    {
        var nanos = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        nanos = Math.Max(nanos, _lastNameNanos + 1);
        _lastNameNanos = nanos;
        var suffix = "." + nanos.ToString("x", CultureInfo.InvariantCulture);
        var prefix = objectName.Length + suffix.Length > MaxEventNameLength ? objectName[..(MaxEventNameLength - suffix.Length)] : objectName;
        return prefix + suffix;
    }

    private static V1Patch SeriesPatch(Series series) => new(
        string.Create(CultureInfo.InvariantCulture, $$$"""{"series":{"count":{{{series.Count}}},"lastObservedTime":"{{{MicroTime(series.LastObserved)}}}"}}"""),
        V1Patch.PatchType.MergePatch);

    /// <summary>
    /// <paramref name="now"/> to the microsecond. kube-apiserver parses MicroTime with exactly six fraction digits
    /// (RFC3339Micro), and the client writes a whole second without any (kubernetes-client/csharp #609 is the
    /// same parser refusing seven): a whole second is sent one microsecond later, the same moment to any reader.
    /// </summary>
    private static DateTime EventTime(DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        var micros = new DateTime(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);
        return micros.Ticks % TimeSpan.TicksPerSecond == 0 ? micros.AddTicks(10) : micros;
    }

    /// <summary>Kubernetes MicroTime: RFC 3339 in UTC with microseconds.</summary>
    private static string MicroTime(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static string Describe(Exception e) => e switch
    {
        HttpOperationException { Response: { } response } => $"HTTP {(int)response.StatusCode} {response.StatusCode}",
        OperationCanceledException => "timed out",
        _ => $"{e.GetType().Name}: {SecretScrubber.Scrub(e.Message)}",
    };

    private readonly record struct SeriesKey(string Kind, string Namespace, string Name, string Type, string Reason, string Action, string MetricName, string Summary);

    /// <summary>An event written, and how often it occurred (1 = no series yet).</summary>
    private sealed class Series(string eventName, DateTimeOffset at)
    {
        public string EventName { get; } = eventName;

        public int Count { get; set; } = 1;

        public DateTimeOffset LastObserved { get; set; } = at;
    }

    private sealed class Bucket(double tokens, DateTimeOffset at)
    {
        private double _tokens = tokens;
        private DateTimeOffset _at = at;

        public double TokensAt(DateTimeOffset now, KedaEventsOptions options) =>
            Math.Min(options.Burst, _tokens + Math.Max(0, (now - _at).Ticks) / (double)options.RefillInterval.Ticks);

        public bool TryTake(DateTimeOffset now, KedaEventsOptions options)
        {
            _tokens = TokensAt(now, options);
            _at = now;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens--;
            return true;
        }
    }

    [LoggerMessage(EventId = 720, Level = LogLevel.Information, Message = "Decisions are not written as Kubernetes Events ({Reason})")]
    private static partial void LogEventsOff(ILogger logger, string reason);

    [LoggerMessage(EventId = 721, Level = LogLevel.Warning, Message = "Writing the {EventReason} event on {Kind} {Namespace}/{Name} failed ({Error}); decisions are unaffected, and further failures are only counted (scaler_keda_events_written_total{{result=\"failed\"}}) until a write succeeds")]
    private static partial void LogWriteFailed(ILogger logger, string eventReason, string kind, string @namespace, string name, string error);

    [LoggerMessage(EventId = 722, Level = LogLevel.Information, Message = "Writing decision events works again")]
    private static partial void LogWritesRecovered(ILogger logger);

    [LoggerMessage(EventId = 723, Level = LogLevel.Debug, Message = "The scale target of ScaledObject {ScaledObject} is not known; its event names the ScaledObject")]
    private static partial void LogTargetUnknown(ILogger logger, ScaledObjectKey scaledObject);
}
