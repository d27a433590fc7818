using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scaler.Decisions;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.PrometheusText;

namespace Scaler.Signals.InferenceServer;

/// <summary>
/// The work figures of a workload (<see cref="WorkMetric"/>) from its model-server pods, for capacity sizing.
/// Every figure of one workload comes from one scrape of its ready pods: the first read after
/// <see cref="ShareWindow"/> scrapes and updates the workload's <see cref="WorkTotals"/>, the others read
/// what it found. Failures are the queue source's: pods unknown or none ready is unavailable with the
/// reason; too few pods answering is unavailable; no pod answering over transport errors throws so the
/// pipeline retries. A figure the pods do not expose is unavailable ("not exposed"), never 0.
/// </summary>
internal sealed partial class WorkSource(
    IWorkloadPods kubernetes,
    MetricsScraper scraper,
    IOptions<InferenceServerOptions> options,
    TimeProvider time,
    ILogger<WorkSource> logger) : ISignalSource<WorkQuery>
{
    /// <summary>Reads of one workload this close together share a scrape.</summary>
    public static readonly TimeSpan ShareWindow = TimeSpan.FromMilliseconds(300);

    /// <summary>A workload not read for this long is forgotten (its totals start over if it is read again).</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(15);

    // Forgetting looks at every workload; once a minute is plenty.
    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Workload> _workloads = new(StringComparer.Ordinal);
    private long _nextSweepTicks;

    public async ValueTask<Reading> ReadAsync(WorkQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (WorkMetricNames.For(query.Server) is not { } names)
        {
            return Reading.Unavailable($"{query.Server} exposes no token counters; capacity sizing reads vLLM or TGI");
        }

        var now = time.GetUtcNow();
        Forget(now);
        var workload = _workloads.GetOrAdd(query.ScrapeKey, _ => new Workload(new WorkMetricReader(names)));
        workload.LastRead = now;
        await workload.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (workload.Totals.Last is not { } last || now - last.At >= ShareWindow || workload.LastFailure is not null && now - workload.LastFailureAt >= ShareWindow)
            {
                await ScrapeAsync(query, workload, cancellationToken).ConfigureAwait(false);
            }

            if (workload.LastFailure is { } failure && workload.LastFailureAt >= (workload.Totals.Last?.At ?? DateTimeOffset.MinValue))
            {
                return failure;
            }

            var snapshot = workload.Totals.Last!;
            return snapshot.Value(query.Metric) is { } value
                ? Reading.Fresh(value, snapshot.At, workload.Coverage) with { PerPod = snapshot.PerPod(query.Metric) }
                : Reading.Unavailable($"{Describe(query.Metric, names)} not exposed by the pods of {query.Workload.Namespace}/{query.Workload.Name}");
        }
        finally
        {
            workload.Gate.Release();
        }
    }

    private async Task ScrapeAsync(WorkQuery query, Workload workload, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var name = $"{query.Workload.Namespace}/{query.Workload.Name}";
        var pods = kubernetes.GetPods(query.Workload);
        if (!pods.IsKnown)
        {
            Fail(workload, Reading.Unavailable($"pods of {name} unknown: {pods.UnavailableReason}"));
            return;
        }

        var ready = pods.Pods.Where(p => p.Ready).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        if (ready.Count == 0)
        {
            Fail(workload, Reading.Unavailable($"no ready pods of {name} to scrape: work waiting for a workload with no pods is outside them"));
            return;
        }

        var missing = new List<string>();
        var targets = new List<(WorkloadPod Pod, Uri Uri)>();
        foreach (var pod in ready)
        {
            if (PodScrapes.Endpoint(pod, query.Port, query.MetricsPath, settings.EndpointResolver) is { } uri)
            {
                targets.Add((pod, uri));
            }
            else
            {
                missing.Add($"pod {pod.Name}: no pod IP");
            }
        }

        var limits = new ScrapeLimits(settings.ScrapeTimeout, settings.MaxResponseBytes, settings.MaxConcurrency);
        var results = await scraper.ScrapeAllAsync([.. targets.Select(t => t.Uri)], limits, workload.Reader.Read, cancellationToken).ConfigureAwait(false);
        var answered = new List<(string Pod, WorkFigures Figures)>();
        var transportFailures = 0;
        var unreachable = 0;
        for (var i = 0; i < targets.Count; i++)
        {
            var pod = targets[i].Pod;
            var failure = results[i].Failure ?? Check(results[i].Value, pod, workload.Reader.Names);
            if (failure is not null)
            {
                LogPodFailed(logger, pod.Namespace, pod.Name, failure.Reason);
                transportFailures += failure.IsTransient ? 1 : 0;
                unreachable += failure.Kind == ScrapeFailureKind.Unreachable ? 1 : 0;
                missing.Add($"pod {pod.Name}: {failure.Reason}");
                continue;
            }

            answered.Add((pod.Name, results[i].Value));
        }

        var coverage = new Coverage(answered.Count, ready.Count, [.. missing.Take(5)]);
        if (answered.Count == 0)
        {
            var why = $"no pod of {name} answered with its work counters: {string.Join("; ", coverage.Missing)}";
            if (transportFailures > 0)
            {
                // Every target refused or unknown: the pods are out of reach, and that counts against their circuit.
                throw new SignalSourceException(ReadFailure.Connection, why, upstreamUnreachable: unreachable == transportFailures);
            }

            Fail(workload, new Reading(SignalStatus.Unavailable, double.NaN, null, why, coverage));
            return;
        }

        if (answered.Count < settings.MinPodCoverage * ready.Count)
        {
            Fail(workload, new Reading(SignalStatus.Unavailable, double.NaN, null, $"only {answered.Count} of {ready.Count} pods of {name} answered: {string.Join("; ", coverage.Missing)}", coverage));
            return;
        }

        workload.Totals.Update(time.GetUtcNow(), answered, ready.Select(p => p.Name).ToHashSet(StringComparer.Ordinal));
        workload.Coverage = coverage;
        workload.LastFailure = null;
    }

    // A pod that answers without the counters capacity sizing needs is a failure of that pod, never 0.
    private static ScrapeFailure? Check(WorkFigures figures, WorkloadPod pod, WorkMetricNames names)
    {
        var absent = new List<string>();
        if (figures.Requests is null)
        {
            absent.Add(names.Requests);
        }

        if (figures.PromptTokens is null)
        {
            absent.Add(names.PromptTokens);
        }

        if (figures.GenerationTokens is null)
        {
            absent.Add(names.GenerationTokens);
        }

        if (figures.Running is null)
        {
            absent.Add(names.Running);
        }

        if (figures.Waiting is null)
        {
            absent.Add(names.Waiting);
        }

        if (absent.Count == 0)
        {
            return null;
        }

        // A counter with only NaN or negative samples is there but unusable: not a sign of the wrong preset.
        var unusable = absent.Where(figures.Unusable.Contains).ToList();
        var missing = absent.Except(unusable).ToList();
        return new ScrapeFailure(ScrapeFailureKind.Malformed, string.Join("; ", new[]
        {
            missing.Count == 0 ? null : $"{string.Join(", ", missing)} not exposed by pod {pod.Namespace}/{pod.Name} (wrong server preset or port?)",
            unusable.Count == 0 ? null : $"{string.Join(", ", unusable)} on pod {pod.Namespace}/{pod.Name} has no usable value (NaN, infinite or negative)",
        }.OfType<string>()));
    }

    private void Fail(Workload workload, Reading failure)
    {
        workload.LastFailure = failure;
        workload.LastFailureAt = time.GetUtcNow();
    }

    private void Forget(DateTimeOffset now)
    {
        var next = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < next || Interlocked.CompareExchange(ref _nextSweepTicks, (now + SweepEvery).UtcTicks, next) != next)
        {
            return;
        }

        foreach (var (key, workload) in _workloads)
        {
            if (now - workload.LastRead > ForgetAfter)
            {
                _workloads.TryRemove(key, out _);
            }
        }
    }

    private static string Describe(WorkMetric metric, WorkMetricNames names) => metric switch
    {
        WorkMetric.KvCacheUse => names.KvCacheUse.Count == 0 ? "KV-cache use (this server has no such metric)" : string.Join(" or ", names.KvCacheUse),
        WorkMetric.InterTokenSeconds or WorkMetric.InterTokenCount => names.InterTokenCount.Count == 0 ? "inter-token latency" : string.Join(" or ", names.InterTokenCount),
        _ => metric.ToString(),
    };

    [LoggerMessage(EventId = 530, Level = LogLevel.Debug, Message = "Model-server pod {Namespace}/{Pod} gave no usable work counters: {Reason}")]
    private static partial void LogPodFailed(ILogger logger, string @namespace, string pod, string reason);

    /// <summary>One workload's scrape state: its totals, the last failure, and the gate that serializes scrapes.</summary>
    private sealed class Workload(WorkMetricReader reader)
    {
        public WorkMetricReader Reader { get; } = reader;

        public WorkTotals Totals { get; } = new();

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Coverage? Coverage { get; set; }

        public Reading? LastFailure { get; set; }

        public DateTimeOffset LastFailureAt { get; set; }

        public DateTimeOffset LastRead { get; set; }
    }
}
