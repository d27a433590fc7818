using System.Text.RegularExpressions;
using Scaler.Decisions.Capacity;
using Scaler.Signals.Keys;

namespace Scaler.Signals.InferenceServer;

/// <summary>
/// The keys of what is scraped from the workload's model-server pods: a preset (<c>server</c>) or a custom
/// gauge, port and path; then either capacity sizing to a latency objective from the servers' work
/// counters (<c>sizing: capacity</c>, the default for vLLM and TGI) or pending requests per replica.
/// </summary>
internal sealed partial class InferenceServerTriggerKeys : ITriggerKeys
{
    public const string Server = "server";
    public const string PendingRequestsMetric = "pendingRequestsMetric";
    public const string MetricsPort = "metricsPort";
    public const string MetricsPath = "metricsPath";
    public const string Sizing = "sizing";
    public const string SloTimeToFirstToken = "sloTimeToFirstToken";
    public const string SloPercentile = "sloPercentile";
    public const string BurstCoverage = "burstCoverage";
    public const string PrefillTokensPerSecond = "prefillTokensPerSecond";
    public const string StepTime = "stepTime";
    public const string KvCacheTokens = "kvCacheTokens";
    public const string MaxNumSeqs = "maxNumSeqs";
    public const string MaxBatchedTokens = "maxBatchedTokens";

    private const string CapacityOnly = "sizing: capacity (vLLM or TGI)";

    private static readonly string[] CapacityKeys = [SloTimeToFirstToken, SloPercentile, BurstCoverage, PrefillTokensPerSecond, StepTime, KvCacheTokens, MaxNumSeqs, MaxBatchedTokens];

    private static readonly DemandSignal PendingRequests = DemandSignal.PendingRequests;

    public IReadOnlyList<TriggerKey> Keys { get; } =
    [
        new(Server, "`vllm` \\| `triton` \\| `tgi`", "–", "vllm", "Scrapes each ready pod's metrics (vLLM on 8000, Triton on 8002, TGI on 80). vLLM and TGI: capacity sizing from their work counters (see `sizing`); Triton, or `sizing: pending`: signal `pending-requests` (vLLM `vllm:num_requests_waiting`, Triton `nv_inference_pending_request_count`, TGI `tgi_queue_size`).", "vllm, triton or tgi"),
        new(PendingRequestsMetric, "Prometheus metric name", "the server's", "queue_depth", "The pods' pending-requests gauge. Without `server` it is a custom server and `metricsPort` is required.", "a Prometheus metric name such as vllm:num_requests_waiting"),
        new(MetricsPort, "port", "the server's", "8000", "The pods' metrics port. Only with `server`/`pendingRequestsMetric`.", "a port number from 1 to 65535 such as 8000"),
        new(MetricsPath, "path", "`/metrics`", "/metrics", "The pods' metrics path. Only with `server`/`pendingRequestsMetric`.", "a path starting with '/' such as /metrics"),
        new(Sizing, "`capacity` \\| `pending`", "`capacity` for vLLM and TGI, else `pending`", "capacity", "How replicas are sized from the pods: `capacity` to the latency objective from the servers' work counters (signal `capacity`, docs/decisions.md), `pending` by pending requests per replica (`pendingRequestsTarget`).", "capacity or pending"),
        Capacity(SloTimeToFirstToken, "duration", "`2s`", "1500ms", "Time-to-first-token objective capacity sizing holds.", "a positive duration such as 2s or 1500ms"),
        Capacity(SloPercentile, "number 50–99.99", "`99`", "95", "The percentile of time to first token held under the objective.", "a number from 50 to 99.99 such as 99"),
        Capacity(BurstCoverage, "number 0–1", "`0.8`", "0.95", "Standing capacity for bursts faster than a start-up: the share of the last 30 minutes' burst peaks covered; 0 turns it off.", "a number from 0 to 1 such as 0.8"),
        Capacity(PrefillTokensPerSecond, "number > 0", "9000, then learned", "4500", "Where the learned profile starts: prompt tokens per second of one replica alone.", "a positive number of tokens per second such as 4500"),
        Capacity(StepTime, "duration", "25ms, then learned", "40ms", "Where the learned profile starts: the fixed time of one engine step (one stream decodes at 1/stepTime).", "a positive duration such as 25ms"),
        Capacity(KvCacheTokens, "whole number ≥ 16", "learned", "196608", "The KV-cache capacity of one replica in tokens (vLLM logs it at start); learned from its use when absent.", "a whole number of tokens, 16 or more, such as 196608"),
        Capacity(MaxNumSeqs, "whole number ≥ 1", "`256`", "128", "The servers' `max_num_seqs`.", "a whole number, 1 or more, such as 256"),
        Capacity(MaxBatchedTokens, "whole number ≥ 1", "`2048`", "8192", "The servers' `max_num_batched_tokens`.", "a whole number, 1 or more, such as 2048"),
        .. PendingRequests.Keys,
    ];

    public IReadOnlyList<string> SwitchKeys { get; } = [Server, PendingRequestsMetric];

    public string Usage => $"pending requests read from the pods ({Server} or {PendingRequestsMetric})";

    public string Example => $"pending requests from the pods ({Server}: vllm)";

    public bool ReadsPods => true;

    public void Parse(TriggerMetadataReader metadata, TriggerBuilder trigger)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(trigger);
        var query = ParseQuery(metadata, trigger);
        if (ChooseCapacity(metadata, query))
        {
            AddCapacity(metadata, trigger, query);
            return;
        }

        foreach (var key in CapacityKeys.Where(metadata.Has))
        {
            metadata.Fail(key, $"only used with {CapacityOnly}");
        }

        var identity = query is null ? "" : $"{PendingRequests.Name}|pods|{query.Server}|{query.PendingMetric}|{query.Port}|{query.MetricsPath}|{trigger.Workload.PodSelector}";
        PendingRequests.Add(metadata, trigger, query, identity);
    }

    // Capacity sizing needs token counters (vLLM, TGI); it is their default unless a pending target is set.
    private static bool ChooseCapacity(TriggerMetadataReader metadata, InferenceQueueQuery? query)
    {
        var kind = query?.Server;
        var readsWork = kind is InferenceServerKind.Vllm or InferenceServerKind.Tgi && metadata.Text(PendingRequestsMetric) is null;
        switch (metadata.Text(Sizing)?.ToUpperInvariant())
        {
            case null when !metadata.Has(Sizing):
                return readsWork;
            case "CAPACITY":
                if (!readsWork && query is not null)
                {
                    metadata.Fail(Sizing, $"capacity needs the token counters of vllm or tgi ({Server}: {query.Server.ToString().ToLowerInvariant()}{(metadata.Has(PendingRequestsMetric) ? $" with a custom {PendingRequestsMetric}" : "")} has none); use pending");
                    return false;
                }

                return query is not null;
            case "PENDING":
                return false;
            default:
                metadata.Expected(Sizing);
                return false;
        }
    }

    // The work figures are inputs of the engine's capacity step, read by name. The pending-requests keys then
    // belong to another source's signal, if any (the trigger parser refuses them otherwise).
    private static void AddCapacity(TriggerMetadataReader metadata, TriggerBuilder trigger, InferenceQueueQuery? query)
    {
        var defaults = new CapacityPolicy();
        var profile = defaults.Profile;
        var slo = metadata.Duration(SloTimeToFirstToken);
        if (slo is { } s && s <= TimeSpan.Zero)
        {
            metadata.Expected(SloTimeToFirstToken);
        }

        var percentile = metadata.Number(SloPercentile, v => v is >= 50 and <= 99.99);
        var coverage = metadata.Number(BurstCoverage, v => v is >= 0 and <= 1);
        var prefill = metadata.Positive(PrefillTokensPerSecond);
        var step = metadata.Duration(StepTime);
        if (step is { } t && t <= TimeSpan.Zero)
        {
            metadata.Expected(StepTime);
        }

        var kv = metadata.Whole(KvCacheTokens, 16);
        var seqs = metadata.Whole(MaxNumSeqs, 1);
        var batched = metadata.Whole(MaxBatchedTokens, 1);
        if (query is null || metadata.Failed(CapacityKeys))
        {
            return;
        }

        trigger.Capacity = defaults with
        {
            TimeToFirstToken = slo ?? defaults.TimeToFirstToken,
            Percentile = percentile ?? defaults.Percentile,
            BurstCoverage = coverage ?? defaults.BurstCoverage,
            Profile = profile with
            {
                TokenSeconds = prefill is { } rate ? 1 / rate : profile.TokenSeconds,
                StepSeconds = step?.TotalSeconds ?? profile.StepSeconds,
                KvCacheTokens = kv ?? profile.KvCacheTokens,
                MaxSequences = seqs ?? profile.MaxSequences,
                MaxBatchedTokens = batched ?? profile.MaxBatchedTokens,
            },
        };
        trigger.CapacityIdentity = $"{CapacitySizing.SignalName}|pods|{query.Server}|{query.Port}|{query.MetricsPath}|{trigger.Workload.PodSelector}";
        var names = defaults.Signals;
        foreach (var (name, metric) in new[]
        {
            (names.Requests, WorkMetric.Requests), (names.PromptTokens, WorkMetric.PromptTokens), (names.GenerationTokens, WorkMetric.GenerationTokens),
            (names.Running, WorkMetric.Running), (names.Waiting, WorkMetric.Waiting), (names.KvCacheUse, WorkMetric.KvCacheUse),
            (names.ArrivalPeak, WorkMetric.ArrivalPeak), (names.InterTokenSeconds, WorkMetric.InterTokenSeconds), (names.InterTokenCount, WorkMetric.InterTokenCount),
        })
        {
            trigger.AddInput(name, new WorkQuery(trigger.Workload, query.Server, metric) { MetricsPort = query.MetricsPort, MetricsPath = query.MetricsPath });
        }
    }

    private static TriggerKey Capacity(string name, string type, string @default, string example, string meaning, string form) =>
        new(name, type, @default, example, meaning + " Only with `sizing: capacity`.", form) { UsedWith = CapacityOnly };

    private static InferenceQueueQuery? ParseQuery(TriggerMetadataReader metadata, TriggerBuilder trigger)
    {
        var kind = InferenceServerKind.Custom;
        if (metadata.Text(Server) is { } serverText)
        {
            InferenceServerKind? parsed = serverText.ToUpperInvariant() switch
            {
                "VLLM" => InferenceServerKind.Vllm,
                "TRITON" => InferenceServerKind.Triton,
                "TGI" => InferenceServerKind.Tgi,
                _ => null,
            };
            if (parsed is null)
            {
                metadata.Expected(Server);
                return null;
            }

            kind = parsed.Value;
        }

        var metric = metadata.Text(PendingRequestsMetric);
        if (metric is not null && !PrometheusMetricName().IsMatch(metric))
        {
            metadata.Expected(PendingRequestsMetric);
        }

        var port = metadata.Whole(MetricsPort, 1);
        if (port > 65535)
        {
            metadata.Expected(MetricsPort);
        }

        var path = metadata.Text(MetricsPath);
        if (path is not null && (!path.StartsWith('/') || path.Any(c => char.IsWhiteSpace(c) || c is '?' or '#')))
        {
            metadata.Expected(MetricsPath);
        }

        if (kind == InferenceServerKind.Custom && !metadata.Has(MetricsPort))
        {
            metadata.Fail(MetricsPort, $"required with {PendingRequestsMetric} when {Server} is not given: expected {metadata.Form(MetricsPort)}");
        }

        if (metadata.Failed(Server, PendingRequestsMetric, MetricsPort, MetricsPath, WorkloadKeys.PodSelector))
        {
            return null;
        }

        var query = new InferenceQueueQuery(trigger.Workload, kind) { MetricName = metric, MetricsPort = port, MetricsPath = path ?? "/metrics" };
        foreach (var error in query.Validate())
        {
            // A safety net: the checks above cover these fields with the user's key names.
            var key = error.StartsWith("metricName:", StringComparison.Ordinal) ? PendingRequestsMetric
                : error.StartsWith("metricsPort:", StringComparison.Ordinal) ? MetricsPort
                : error.StartsWith("metricsPath:", StringComparison.Ordinal) ? MetricsPath
                : null;
            if (key is null)
            {
                metadata.AddError(error);
            }
            else if (!metadata.Failed(key))
            {
                metadata.Fail(key, error[(error.IndexOf(':', StringComparison.Ordinal) + 1)..].TrimStart());
            }
        }

        return metadata.Failed(PendingRequestsMetric, MetricsPort, MetricsPath) ? null : query;
    }

    [GeneratedRegex("^[A-Za-z_:][A-Za-z0-9_:]*$")]
    private static partial Regex PrometheusMetricName();
}
