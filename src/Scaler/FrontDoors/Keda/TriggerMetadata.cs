using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Scaler.Decisions;
using Scaler.Durations;
using Scaler.Signals;
using Scaler.Signals.GpuFleet;
using Scaler.Signals.InferenceServer;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.Prometheus;
using Scaler.Signals.RabbitMq;
using static Scaler.FrontDoors.Keda.TriggerMetadataKeys;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// Parses a KEDA trigger's metadata (the user's API, docs/keda-metadata.md) into a <see cref="TriggerSpec"/>:
/// every key read once, every error collected (STYLE rule 5). Pure: no I/O, no clock, so a front door can
/// call it on every RPC (KEDA sends the metadata with each call) or cache by metadata.
/// </summary>
internal static partial class TriggerMetadata
{
    /// <summary>Signal names (<see cref="SignalSpec.Name"/>), fixed so explanations and readings line up.</summary>
    public const string GpuUtilizationSignal = "gpu-utilization";
    public const string GpuMemorySignal = "gpu-memory";
    public const string PendingRequestsSignal = "pending-requests";
    public const string QueueLengthSignal = "queue-length";

    /// <summary>Pending requests per replica when <c>pendingRequestsTarget</c> is not given (the target measured in docs/decisions.md).</summary>
    public const double DefaultPendingRequestsTarget = 5;

    /// <summary>Queued messages per replica when <c>queueLengthTarget</c> is not given: a queued message is one request waiting, as a pending request is.</summary>
    public const double DefaultQueueLengthTarget = 5;

    /// <summary>
    /// The longest metric name returned: KEDA prefixes <c>s&lt;trigger index&gt;-</c> (reference keda.md 2.3), so
    /// 58 leaves the HPA's name within 63 characters (a DNS label) for up to 100 triggers.
    /// </summary>
    public const int MaxMetricNameLength = 58;

    private const int ShownValueLength = 80;

    // The engine's default staleness limit, for staleAfter when it is not given.
    private static readonly TimeSpan DefaultStaleAfter = new SignalSpec("default", SignalKind.Total, SignalRole.Demand, 1).StalenessLimit;

    /// <summary>
    /// Parses <paramref name="metadata"/> (KEDA's <c>scalerMetadata</c>, with <c>*FromEnv</c> keys already
    /// resolved to values by KEDA). On failure <paramref name="errors"/> lists every problem, each starting with
    /// the key it is about and saying what was expected with an example; values that may hold credentials are
    /// never repeated.
    /// </summary>
    /// <param name="scaledObject">The ScaledObject the call is about (from <c>ScaledObjectRef</c>).</param>
    /// <param name="metadata">The trigger metadata.</param>
    /// <param name="rabbitMqCredentials">Brokers from the scaler's own configuration, for <c>rabbitmqBrokerRef</c>.</param>
    /// <param name="spec">The parsed trigger; null on failure.</param>
    /// <param name="errors">Every problem; empty on success.</param>
    public static bool TryParse(
        ScaledObjectKey scaledObject,
        IReadOnlyDictionary<string, string> metadata,
        RabbitMqCredentialsOptions rabbitMqCredentials,
        [NotNullWhen(true)] out TriggerSpec? spec,
        out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(scaledObject);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(rabbitMqCredentials);

        var reader = new Reader(metadata);
        spec = reader.Parse(scaledObject, rabbitMqCredentials);
        errors = reader.Errors;
        return spec is not null;
    }

    /// <summary>
    /// The metric name for a trigger: <c>scaler-&lt;namespace&gt;-&lt;name&gt;-&lt;hash&gt;</c>, lower case, at most
    /// <see cref="MaxMetricNameLength"/> characters of <c>[a-z0-9-]</c>. The hash covers the ScaledObject and
    /// what the trigger reads (<paramref name="reads"/>: signal names, queue, query; never a host or token), so
    /// names stay distinct after shortening and for two triggers of one ScaledObject reading different things,
    /// and stay the same when only targets or policy change (the HPA's metric is not renamed by a tuning edit).
    /// </summary>
    public static string MetricNameFor(ScaledObjectKey scaledObject, IEnumerable<string> reads)
    {
        ArgumentNullException.ThrowIfNull(scaledObject);
        ArgumentNullException.ThrowIfNull(reads);

        var identity = new StringBuilder().Append(scaledObject.Namespace).Append('\n').Append(scaledObject.Name);
        foreach (var item in reads)
        {
            identity.Append('\n').Append(item);
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToString())).AsSpan(0, 4));
        const string Prefix = "scaler-";
        var readable = Slug($"{scaledObject.Namespace}-{scaledObject.Name}");
        var room = MaxMetricNameLength - Prefix.Length - 1 - hash.Length;
        if (readable.Length > room)
        {
            readable = readable[..room].TrimEnd('-');
        }

        return readable.Length == 0 ? Prefix + hash : $"{Prefix}{readable}-{hash}";
    }

    // Lower-case [a-z0-9-], runs of anything else become one '-'.
    private static string Slug(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var lower = char.ToLowerInvariant(c);
            if (char.IsAsciiLetterLower(lower) || char.IsAsciiDigit(lower))
            {
                builder.Append(lower);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }

        return builder.ToString().Trim('-');
    }

    [GeneratedRegex("^[A-Za-z_:][A-Za-z0-9_:]*$")]
    private static partial Regex PrometheusMetricName();

    // The RabbitMQ query's own key names, as they appear in its errors, mapped to ours.
    [GeneratedRegex(@"\b(hostFromEnv|host|brokerRef|vhostName)\b")]
    private static partial Regex RabbitMqKeyNames();

    /// <summary>One parse: the metadata, the errors so far, and which keys already have one.</summary>
    private sealed class Reader
    {
        private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
        private readonly List<string> _errors = [];
        private readonly HashSet<string> _failed = new(StringComparer.Ordinal);

        public Reader(IReadOnlyDictionary<string, string> metadata)
        {
            // Sorted, so errors come out in the same order for the same metadata.
            foreach (var (key, value) in metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                if (All.ContainsKey(key))
                {
                    _values[key] = (value ?? "").Trim();
                }
                else if (TriggerMetadataKeys.Unknown(key) is { } error)
                {
                    _errors.Add(error);
                }
            }
        }

        public IReadOnlyList<string> Errors => _errors;

        public TriggerSpec? Parse(ScaledObjectKey scaledObject, RabbitMqCredentialsOptions rabbitMqCredentials)
        {
            if (string.IsNullOrWhiteSpace(scaledObject.Namespace) || string.IsNullOrWhiteSpace(scaledObject.Name))
            {
                _errors.Add("scaledObjectRef: the ScaledObject's name and namespace are required");
            }

            // Empty values: a templating slip more often than a choice; every key needs a value.
            foreach (var (key, value) in _values)
            {
                if (value.Length == 0)
                {
                    Fail(key, $"expected {All[key].Form}, got an empty value");
                }
            }

            var staleAfter = Duration(StaleAfter) ?? DefaultStaleAfter;
            if (staleAfter <= TimeSpan.Zero && !_failed.Contains(StaleAfter))
            {
                Expected(StaleAfter);
            }

            // Workload: which pods the pod-scraping signals read.
            string? selector = null;
            if (Text(PodSelector) is { } selectorText)
            {
                if (LabelSelector.TryParse(selectorText, PodSelector, out var parsed, out var selectorError))
                {
                    selector = parsed.ToString();
                }
                else
                {
                    Fail(PodSelector, selectorError[(PodSelector.Length + 1)..]);
                }
            }

            var workload = new WorkloadRef(scaledObject.Namespace, scaledObject.Name, selector);
            var signals = ImmutableArray.CreateBuilder<TriggerSignal>();
            var reads = new List<string>();
            var podsDemand = 0;
            var otherDemand = 0;

            // Pending requests: from the pods, or from Prometheus; one place.
            var fromPods = Has(Server) || Has(PendingRequestsMetric);
            var fromPrometheus = Has(PrometheusAddress) || Has(PendingRequestsQuery);
            var pendingTarget = Positive(PendingRequestsTarget) ?? DefaultPendingRequestsTarget;
            var pendingActivation = NonNegative(ActivationPendingRequests) ?? 0;
            if (fromPods && fromPrometheus)
            {
                Fail(
                    $"{(Has(Server) ? Server : PendingRequestsMetric)}, {(Has(PrometheusAddress) ? PrometheusAddress : PendingRequestsQuery)}",
                    $"pending requests are read from one place: from the pods ({Server} and/or {PendingRequestsMetric}) or from Prometheus ({PrometheusAddress} + {PendingRequestsQuery}), not both");
            }
            else if (fromPods)
            {
                if (ParsePodsQuery(workload) is { } query)
                {
                    signals.Add(Demand(PendingRequestsSignal, pendingTarget, pendingActivation, staleAfter, query));
                    reads.Add($"{PendingRequestsSignal}|pods|{query.Server}|{query.PendingMetric}|{query.Port}|{query.MetricsPath}|{selector}");
                }

                podsDemand++;
            }
            else if (fromPrometheus)
            {
                if (ParsePrometheusQuery() is { } query)
                {
                    signals.Add(Demand(PendingRequestsSignal, pendingTarget, pendingActivation, staleAfter, query));
                    reads.Add($"{PendingRequestsSignal}|prometheus|{query.Query}");
                }

                otherDemand++;
            }
            else
            {
                Orphans(
                    $"only used with pending requests, from the pods ({Server} or {PendingRequestsMetric}) or from Prometheus ({PrometheusAddress} + {PendingRequestsQuery})",
                    PendingRequestsTarget,
                    ActivationPendingRequests);
            }

            if (!fromPods)
            {
                Orphans($"only used with pending requests read from the pods ({Server} or {PendingRequestsMetric})", MetricsPort, MetricsPath);
            }

            if (!Has(PrometheusAddress))
            {
                Orphans($"only used with {PrometheusAddress}", PrometheusBearerTokenFromEnv);
            }

            // Queue length: RabbitMQ.
            if (Has(RabbitMqHost) || Has(RabbitMqHostFromEnv) || Has(RabbitMqBrokerRef) || Has(QueueName))
            {
                var queueTarget = Positive(QueueLengthTarget) ?? DefaultQueueLengthTarget;
                var queueActivation = NonNegative(ActivationQueueLength) ?? 0;
                if (ParseRabbitMqQuery(rabbitMqCredentials) is { } query)
                {
                    signals.Add(Demand(QueueLengthSignal, queueTarget, queueActivation, staleAfter, query));
                    reads.Add($"{QueueLengthSignal}|{query.Broker.VirtualHost}|{query.QueueName}");
                }

                otherDemand++;
            }
            else
            {
                Orphans($"only used with a queue ({RabbitMqHost} or {RabbitMqHostFromEnv}, and {QueueName})", Vhost, QueueLengthTarget, ActivationQueueLength);
            }

            // GPU: saturation signals from the NvmlExporters on the workload's nodes.
            var gpu = false;
            foreach (var (key, name, aggregate) in new[]
            {
                (GpuUtilizationTarget, GpuUtilizationSignal, GpuFleetAggregate.MeanUtilization),
                (GpuMemoryTarget, GpuMemorySignal, GpuFleetAggregate.MaxMemoryUsed),
            })
            {
                if (Percent(key) is { } percent)
                {
                    var spec = new SignalSpec(name, SignalKind.Average, SignalRole.Saturation, percent / 100) { StalenessLimit = staleAfter };
                    signals.Add(new TriggerSignal(spec, new GpuFleetQuery(workload, aggregate)));
                    reads.Add($"{name}|{selector}");
                }

                gpu |= Has(key);
            }

            var saturation = SaturationMode.Ignore;
            if (Text(GpuMode) is { } modeText)
            {
                SaturationMode? mode = modeText.ToUpperInvariant() switch
                {
                    "IGNORE" => SaturationMode.Ignore,
                    "HOLD" => SaturationMode.HoldOnly,
                    "HOLD-ADD" => SaturationMode.HoldAndAddWithDemand,
                    "MAX" => SaturationMode.Max,
                    _ => null,
                };
                if (mode is null)
                {
                    Expected(GpuMode);
                }
                else if (!gpu)
                {
                    Fail(GpuMode, $"only used with {GpuUtilizationTarget} or {GpuMemoryTarget}");
                }
                else
                {
                    saturation = mode.Value;
                }
            }

            if (!gpu && !fromPods)
            {
                Orphans($"only used by signals read from the workload's pods ({GpuUtilizationTarget}, {GpuMemoryTarget}, {Server} or {PendingRequestsMetric})", PodSelector);
            }

            if (!gpu && !fromPods && !fromPrometheus && otherDemand == 0)
            {
                _errors.Add(
                    $"{GpuUtilizationTarget}, {GpuMemoryTarget}, {Server}, {PendingRequestsMetric}, {PrometheusAddress}, {RabbitMqHost}: at least one signal is required: " +
                    $"GPU ({GpuUtilizationTarget}: 70), pending requests from the pods ({Server}: vllm), pending requests from Prometheus ({PrometheusAddress} + {PendingRequestsQuery}) " +
                    $"or a queue ({RabbitMqHost} + {QueueName})");
            }

            var triggerSignals = signals.ToImmutable();
            var policy = Policy(triggerSignals, saturation);
            if (policy.MinReplicas == 0 && !_failed.Contains(MinReplicas) && podsDemand > 0 && otherDemand == 0)
            {
                // The pods source has no one to ask at zero replicas (docs/signals.md, inference-server queues):
                // demand would be unknown at zero forever, and the workload would never scale up again.
                Fail(
                    MinReplicas,
                    $"{(Has(MinReplicas) ? "0" : "0 (the default)")} lets the workload scale to zero, but pending requests read from the pods cannot be seen while no pod runs, " +
                    $"so it would never scale up again; set {MinReplicas}: 1 or more, or read pending requests from Prometheus ({PrometheusAddress} + {PendingRequestsQuery}) or add a queue ({RabbitMqHost} + {QueueName})");
            }

            ValidatePolicy(policy);
            return _errors.Count == 0
                ? new TriggerSpec(scaledObject, policy, triggerSignals, MetricNameFor(scaledObject, reads))
                : null;
        }

        private static TriggerSignal Demand(string name, double target, double activation, TimeSpan staleAfter, SignalQuery query) =>
            new(new SignalSpec(name, SignalKind.Total, SignalRole.Demand, target) { ActivationThreshold = activation, StalenessLimit = staleAfter }, query);

        private InferenceQueueQuery? ParsePodsQuery(WorkloadRef workload)
        {
            var kind = InferenceServerKind.Custom;
            if (Text(Server) is { } serverText)
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
                    Expected(Server);
                    return null;
                }

                kind = parsed.Value;
            }

            var metric = Text(PendingRequestsMetric);
            if (metric is not null && !PrometheusMetricName().IsMatch(metric))
            {
                Expected(PendingRequestsMetric);
            }

            var port = Whole(MetricsPort, 1);
            if (port > 65535)
            {
                Expected(MetricsPort);
            }

            var path = Text(MetricsPath);
            if (path is not null && (!path.StartsWith('/') || path.Any(c => char.IsWhiteSpace(c) || c is '?' or '#')))
            {
                Expected(MetricsPath);
            }

            if (kind == InferenceServerKind.Custom && !Has(MetricsPort))
            {
                Fail(MetricsPort, $"required with {PendingRequestsMetric} when {Server} is not given: expected {All[MetricsPort].Form}");
            }

            if (Failed(Server, PendingRequestsMetric, MetricsPort, MetricsPath, PodSelector))
            {
                return null;
            }

            var query = new InferenceQueueQuery(workload, kind) { MetricName = metric, MetricsPort = port, MetricsPath = path ?? "/metrics" };
            foreach (var error in query.Validate())
            {
                // A safety net: the checks above cover these fields with the user's key names.
                AddMapped(error, ("metricName", PendingRequestsMetric), ("metricsPort", MetricsPort), ("metricsPath", MetricsPath));
            }

            return Failed(PendingRequestsMetric, MetricsPort, MetricsPath) ? null : query;
        }

        private PrometheusQuery? ParsePrometheusQuery()
        {
            var addressText = Text(PrometheusAddress);
            var queryText = Text(PendingRequestsQuery);
            if (!Has(PrometheusAddress))
            {
                Fail(PrometheusAddress, $"required with {PendingRequestsQuery}: expected {All[PrometheusAddress].Form}");
            }

            if (!Has(PendingRequestsQuery))
            {
                Fail(PendingRequestsQuery, $"required with {PrometheusAddress}: expected {All[PendingRequestsQuery].Form}");
            }

            Uri? address = null;
            if (addressText is { Length: > 0 })
            {
                // Never repeat the value: it may carry a password in its user info.
                if (!Uri.TryCreate(addressText, UriKind.Absolute, out address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(address.Host))
                {
                    Fail(PrometheusAddress, $"invalid URI: expected {All[PrometheusAddress].Form} (the value is not repeated: it may hold credentials)");
                }
                else if (!string.IsNullOrEmpty(address.UserInfo))
                {
                    Fail(PrometheusAddress, $"invalid URI: it must not carry credentials (user info); give a bearer token with {PrometheusBearerTokenFromEnv}");
                }
                else if (!string.IsNullOrEmpty(address.Query) || !string.IsNullOrEmpty(address.Fragment))
                {
                    Fail(PrometheusAddress, $"invalid URI: it must not have a query string or fragment; expected {All[PrometheusAddress].Form}");
                }
            }

            // KEDA resolved the *FromEnv key: the value is the token itself (reference keda.md 2.4).
            var token = Text(PrometheusBearerTokenFromEnv);
            if (token is { Length: > 0 } && !token.All(static c => c is > ' ' and < (char)0x7F))
            {
                // A space, a line break or a non-ASCII character would break (or split) the Authorization header.
                Fail(PrometheusBearerTokenFromEnv, "the bearer token must be printable ASCII without spaces or line breaks (the value is not repeated: it is a credential)");
            }

            if (address is null || queryText is null || Failed(PrometheusAddress, PendingRequestsQuery, PrometheusBearerTokenFromEnv))
            {
                return null;
            }

            try
            {
                return new PrometheusQuery(address, queryText, token is { Length: > 0 } ? new BearerAuth(token) : null);
            }
            catch (ArgumentException)
            {
                // The checks above mirror the constructor's; its message is not repeated (it is about the address).
                Fail(PrometheusAddress, $"invalid URI: expected {All[PrometheusAddress].Form}");
                return null;
            }
        }

        private RabbitMqQuery? ParseRabbitMqQuery(RabbitMqCredentialsOptions credentials)
        {
            if (!Has(RabbitMqHost) && !Has(RabbitMqHostFromEnv) && !Has(RabbitMqBrokerRef))
            {
                // KEDA drops a *FromEnv key whose variable is missing or empty (reference keda.md 2.4), so say so.
                Fail(
                    RabbitMqHost,
                    $"required with {QueueName}: expected {All[RabbitMqHost].Form}, or {RabbitMqHostFromEnv} naming an environment variable of the scale target's container " +
                    $"(KEDA drops that key when the variable is missing or empty), or {RabbitMqBrokerRef} naming a broker in the scaler's configuration");
                return null;
            }

            // The query's own key names; mode is always QueueLength (the signal is a queue length).
            var mapped = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (ours, theirs) in new[] { (RabbitMqHost, "host"), (RabbitMqHostFromEnv, "hostFromEnv"), (RabbitMqBrokerRef, "brokerRef"), (QueueName, "queueName"), (Vhost, "vhost") })
            {
                if (Text(ours) is { Length: > 0 } value)
                {
                    mapped[theirs] = value;
                }
            }

            if (Failed(RabbitMqHost, RabbitMqHostFromEnv, RabbitMqBrokerRef, QueueName, Vhost))
            {
                return null;
            }

            if (RabbitMqQuery.TryParse(mapped, credentials, out var query, out var errors))
            {
                return query;
            }

            foreach (var error in errors)
            {
                // Its errors name its keys and never repeat a host value; rename the keys to ours.
                var renamed = RabbitMqKeyNames().Replace(error, match => match.Value switch
                {
                    "host" => RabbitMqHost,
                    "hostFromEnv" => RabbitMqHostFromEnv,
                    "brokerRef" => RabbitMqBrokerRef,
                    _ => Vhost,
                });
                var expected = renamed.IndexOf(": expected an amqp://", StringComparison.Ordinal);
                if (expected > 0 && !renamed.Contains(" such as ", StringComparison.Ordinal))
                {
                    renamed = renamed.Insert(renamed.IndexOf(" URI", expected, StringComparison.Ordinal) + 4, " such as amqp://rabbitmq.default:5672/");
                }

                _errors.Add(renamed);
            }

            return null;
        }

        private ScalingPolicy Policy(ImmutableArray<TriggerSignal> signals, SaturationMode saturation)
        {
            var defaults = ScalingPolicy.Defaults;
            var minReplicas = Whole(MinReplicas, 0);
            var maxReplicas = Whole(MaxReplicas, 1);
            var idleReplicas = Whole(IdleReplicas, 0);
            var fallbackReplicas = Whole(FallbackReplicas, 1);
            var scaleToZeroAfter = Duration(ScaleToZeroAfter);
            return defaults with
            {
                Signals = [.. signals.Select(signal => signal.Spec)],
                MinReplicas = minReplicas ?? defaults.MinReplicas,
                MaxReplicas = maxReplicas ?? defaults.MaxReplicas,
                IdleReplicas = idleReplicas ?? defaults.IdleReplicas,
                FallbackReplicas = fallbackReplicas ?? defaults.FallbackReplicas,
                ScaleToZeroAfter = scaleToZeroAfter ?? defaults.ScaleToZeroAfter,
                ScaleUp = Rules(ScaleUpStabilization, ScaleUpLimit, defaults.ScaleUp),
                ScaleDown = Rules(ScaleDownStabilization, ScaleDownLimit, defaults.ScaleDown),
                Saturation = saturation,
            };
        }

        private ScalingRules Rules(string windowKey, string limitKey, ScalingRules defaults)
        {
            var window = Duration(windowKey);
            if (window > TimeSpan.FromHours(1))
            {
                Expected(windowKey);
            }

            var rules = defaults with { StabilizationWindow = window ?? defaults.StabilizationWindow };
            if (Text(limitKey) is not { Length: > 0 } limitText)
            {
                return rules;
            }

            if (MetadataRateLimits.TryParse(limitText, out var limits, out var problem))
            {
                return rules with { Limits = limits.Limits, Select = limits.Select };
            }

            if (problem is null)
            {
                Expected(limitKey);
            }
            else
            {
                Fail(limitKey, $"{problem}; expected {All[limitKey].Form}, got '{Shown(limitText)}'");
            }

            return rules;
        }

        // The engine's own validation, with its field names turned into our keys. Single-field problems were
        // reported above with the user's text; what is left is cross-field (minReplicas > maxReplicas, ...).
        // A cross-field error is left out when one of its keys already failed: it would compare against a default.
        private void ValidatePolicy(ScalingPolicy policy)
        {
            foreach (var error in policy.Validate())
            {
                var colon = error.IndexOf(':', StringComparison.Ordinal);
                var field = colon < 0 ? error : error[..colon];
                var rest = colon < 0 ? "" : error[colon..];
                (string key, string[] involved) = field switch
                {
                    "minReplicas" => (MinReplicas, new[] { MinReplicas, MaxReplicas }),
                    "maxReplicas" => (MaxReplicas, new[] { MaxReplicas }),
                    "idleReplicas" => (IdleReplicas, new[] { IdleReplicas, MaxReplicas }),
                    "fallbackReplicas" => (FallbackReplicas, new[] { FallbackReplicas, MaxReplicas }),
                    "scaleToZeroAfter" => (ScaleToZeroAfter, new[] { ScaleToZeroAfter }),
                    "scaleUp.stabilizationWindow" => (ScaleUpStabilization, new[] { ScaleUpStabilization }),
                    "scaleDown.stabilizationWindow" => (ScaleDownStabilization, new[] { ScaleDownStabilization }),
                    "scaleUp.limits" => (ScaleUpLimit, new[] { ScaleUpLimit }),
                    "scaleDown.limits" => (ScaleDownLimit, new[] { ScaleDownLimit }),
                    _ when field.EndsWith(".stalenessLimit", StringComparison.Ordinal) => (StaleAfter, new[] { StaleAfter }),
                    _ when field.EndsWith(".activationThreshold", StringComparison.Ordinal) => (ActivationKey(field), new[] { ActivationKey(field) }),
                    _ when field.EndsWith(".target", StringComparison.Ordinal) => (TargetKey(field), new[] { TargetKey(field) }),
                    _ => (field, Array.Empty<string>()),
                };
                if (field == "signals" && _errors.Count > 0)
                {
                    continue; // "at least one signal": already reported with our keys, or a signal failed to parse.
                }

                if (!Failed(involved))
                {
                    Fail(key, rest.TrimStart(':', ' '));
                }
            }
        }

        private static string TargetKey(string field) => field switch
        {
            _ when field.Contains(GpuUtilizationSignal, StringComparison.Ordinal) => GpuUtilizationTarget,
            _ when field.Contains(GpuMemorySignal, StringComparison.Ordinal) => GpuMemoryTarget,
            _ when field.Contains(PendingRequestsSignal, StringComparison.Ordinal) => PendingRequestsTarget,
            _ => QueueLengthTarget,
        };

        private static string ActivationKey(string field) =>
            field.Contains(PendingRequestsSignal, StringComparison.Ordinal) ? ActivationPendingRequests : ActivationQueueLength;

        private bool Has(string key) => _values.ContainsKey(key);

        private bool Failed(params string[] keys) => keys.Any(_failed.Contains);

        // The trimmed value; null when absent or when it already failed (empty).
        private string? Text(string key) => _values.TryGetValue(key, out var value) && !_failed.Contains(key) ? value : null;

        private int? Whole(string key, int minimum)
        {
            if (Text(key) is not { } text)
            {
                return null;
            }

            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= minimum)
            {
                return value;
            }

            Expected(key);
            return null;
        }

        private double? Number(string key, Func<double, bool> valid)
        {
            if (Text(key) is not { } text)
            {
                return null;
            }

            if (double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                && double.IsFinite(value) && valid(value))
            {
                return value;
            }

            Expected(key);
            return null;
        }

        private double? Positive(string key) => Number(key, value => value > 0);

        private double? NonNegative(string key) => Number(key, value => value >= 0);

        private double? Percent(string key) => Number(key, value => value is >= 1 and <= 100);

        private TimeSpan? Duration(string key)
        {
            if (Text(key) is not { } text)
            {
                return null;
            }

            if (DurationText.TryParse(text, out var value))
            {
                return value;
            }

            Expected(key);
            return null;
        }

        private void Orphans(string why, params string[] keys)
        {
            foreach (var key in keys)
            {
                if (Has(key) && !_failed.Contains(key))
                {
                    Fail(key, why);
                }
            }
        }

        private void Expected(string key)
        {
            var (form, secret) = All[key];
            Fail(key, secret
                ? $"expected {form} (the value is not repeated: it may hold credentials)"
                : $"expected {form}, got '{Shown(_values[key])}'");
        }

        private void AddMapped(string error, params (string Theirs, string Ours)[] names)
        {
            foreach (var (theirs, ours) in names)
            {
                if (error.StartsWith(theirs + ":", StringComparison.Ordinal))
                {
                    if (!_failed.Contains(ours))
                    {
                        Fail(ours, error[(theirs.Length + 1)..].TrimStart());
                    }

                    return;
                }
            }

            _errors.Add(error);
        }

        private void Fail(string key, string message)
        {
            _failed.Add(key);
            _errors.Add($"{key}: {message}");
        }

        private static string Shown(string value) =>
            value.Length <= ShownValueLength ? value : string.Concat(value.AsSpan(0, ShownValueLength), "…");
    }
}
