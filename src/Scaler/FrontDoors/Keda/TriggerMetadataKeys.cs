using System.Collections.Frozen;
using Scaler.Durations;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// The trigger metadata keys (the user's API, docs/keda-metadata.md), each with the form an error message
/// shows, and what to do with keys that are not ours.
/// </summary>
internal static class TriggerMetadataKeys
{
    public const string PodSelector = "podSelector";
    public const string GpuUtilizationTarget = "gpuUtilizationTarget";
    public const string GpuMemoryTarget = "gpuMemoryTarget";
    public const string GpuMode = "gpuMode";
    public const string Server = "server";
    public const string PendingRequestsMetric = "pendingRequestsMetric";
    public const string MetricsPort = "metricsPort";
    public const string MetricsPath = "metricsPath";
    public const string PrometheusAddress = "prometheusAddress";
    public const string PendingRequestsQuery = "pendingRequestsQuery";
    public const string PrometheusBearerTokenFromEnv = "prometheusBearerTokenFromEnv";
    public const string PendingRequestsTarget = "pendingRequestsTarget";
    public const string ActivationPendingRequests = "activationPendingRequests";
    public const string RabbitMqHost = "rabbitmqHost";
    public const string RabbitMqHostFromEnv = "rabbitmqHostFromEnv";
    public const string RabbitMqBrokerRef = "rabbitmqBrokerRef";
    public const string QueueName = "queueName";
    public const string Vhost = "vhost";
    public const string QueueLengthTarget = "queueLengthTarget";
    public const string ActivationQueueLength = "activationQueueLength";
    public const string MinReplicas = "minReplicas";
    public const string MaxReplicas = "maxReplicas";
    public const string IdleReplicas = "idleReplicas";
    public const string ScaleToZeroAfter = "scaleToZeroAfter";
    public const string ScaleUpStabilization = "scaleUpStabilization";
    public const string ScaleDownStabilization = "scaleDownStabilization";
    public const string ScaleUpLimit = "scaleUpLimit";
    public const string ScaleDownLimit = "scaleDownLimit";
    public const string FallbackReplicas = "fallbackReplicas";
    public const string StaleAfter = "staleAfter";

    /// <summary>
    /// Every key with the expected form (and an example) that error messages show. Keys marked secret may
    /// hold credentials (a URI's user info, a token): their values are never repeated.
    /// </summary>
    public static readonly FrozenDictionary<string, (string Form, bool Secret)> All = new Dictionary<string, (string, bool)>(StringComparer.Ordinal)
    {
        [PodSelector] = ("a label selector such as 'app=vllm' or 'app=vllm,tier in (gpu)'", false),
        [GpuUtilizationTarget] = ("a percent from 1 to 100 such as 70 (the target is a percent, not a fraction)", false),
        [GpuMemoryTarget] = ("a percent from 1 to 100 such as 80 (the target is a percent, not a fraction)", false),
        [GpuMode] = ("ignore, hold, hold-add or max", false),
        [Server] = ("vllm, triton or tgi", false),
        [PendingRequestsMetric] = ("a Prometheus metric name such as vllm:num_requests_waiting", false),
        [MetricsPort] = ("a port number from 1 to 65535 such as 8000", false),
        [MetricsPath] = ("a path starting with '/' such as /metrics", false),
        [PrometheusAddress] = ("an http:// or https:// URL without user info, query or fragment, such as http://prometheus.monitoring:9090", true),
        [PendingRequestsQuery] = ("a PromQL expression returning one value, such as 'sum(vllm:num_requests_waiting) or vector(0)'", false),
        [PrometheusBearerTokenFromEnv] = ("the name of an environment variable of the scale target's container that holds a bearer token", true),
        [PendingRequestsTarget] = ("a positive number of pending requests per replica such as 5", false),
        [ActivationPendingRequests] = ("a number 0 or more such as 0", false),
        [RabbitMqHost] = ("an amqp://, amqps://, http:// or https:// URI such as amqp://rabbitmq.default:5672/", true),
        [RabbitMqHostFromEnv] = ("the name of an environment variable of the scale target's container that holds an amqp://, amqps://, http:// or https:// URI", true),
        [RabbitMqBrokerRef] = ("the name of a broker in the scaler's configuration such as orders", false),
        [QueueName] = ("a queue name such as inference-requests", false),
        [Vhost] = ("a virtual host such as / or prod", false),
        [QueueLengthTarget] = ("a positive number of messages per replica such as 5", false),
        [ActivationQueueLength] = ("a number 0 or more such as 0", false),
        [MinReplicas] = ("a whole number 0 or more such as 0", false),
        [MaxReplicas] = ("a whole number 1 or more such as 10", false),
        [IdleReplicas] = ("a whole number 0 or more such as 1", false),
        [ScaleToZeroAfter] = (DurationText.Form, false),
        [ScaleUpStabilization] = ("a duration from 0s to 1h such as 0s, 2m or 1.5m", false),
        [ScaleDownStabilization] = ("a duration from 0s to 1h such as 5m", false),
        [ScaleUpLimit] = ("<pods>/<duration> such as 2/60s, or <percent>%/<duration> such as 100%/15s, several separated by commas, or none, or disabled", false),
        [ScaleDownLimit] = ("<pods>/<duration> such as 1/120s, or <percent>%/<duration> such as 50%/60s, several separated by commas, or none, or disabled", false),
        [FallbackReplicas] = ("a whole number 1 or more such as 2", false),
        [StaleAfter] = ("a positive duration such as 60s or 2m", false),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// KEDA's own keys: KEDA passes the whole trigger metadata (reference keda.md 2.4), so these arrive too.
    /// <c>caCert</c> and the client certificate are TriggerAuthentication-only in current KEDA, but older docs
    /// put them in metadata.
    /// </summary>
    public static readonly FrozenSet<string> Keda =
        new[] { "scalerAddress", "enableTLS", "unsafeSsl", "caCert", "tlsClientCert", "tlsClientKey" }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// Keys of KEDA's built-in Prometheus and RabbitMQ scalers and ScaledObject fields that users carry over
    /// by habit: each is refused with the key it most likely means.
    /// </summary>
    public static readonly FrozenDictionary<string, string> Habits = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["serverAddress"] = PrometheusAddress,
        ["query"] = PendingRequestsQuery,
        ["threshold"] = PendingRequestsTarget,
        ["activationThreshold"] = ActivationPendingRequests,
        ["host"] = RabbitMqHost,
        ["hostFromEnv"] = RabbitMqHostFromEnv,
        ["brokerRef"] = RabbitMqBrokerRef,
        ["vhostName"] = Vhost,
        ["value"] = QueueLengthTarget,
        ["activationValue"] = ActivationQueueLength,
        ["queueLength"] = QueueLengthTarget,
        ["minReplicaCount"] = MinReplicas,
        ["maxReplicaCount"] = MaxReplicas,
        ["idleReplicaCount"] = IdleReplicas,
        ["podSelectorFromEnv"] = PodSelector,
        ["prometheusAddressFromEnv"] = PrometheusAddress,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// What to do with a key that is not exactly one of ours: null to ignore it (KEDA's keys, and keys that
    /// look like nothing of ours, so other tools can annotate triggers), or an error for a key that looks like
    /// ours but is not (another casing, a typo within two edits, a built-in scaler's name for the same thing).
    /// </summary>
    public static string? Unknown(string key)
    {
        if (Keda.Contains(key))
        {
            return null;
        }

        if (Habits.TryGetValue(key, out var meant))
        {
            return $"{key}: not a key of this scaler; did you mean {meant}?";
        }

        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in All.Keys)
        {
            var distance = Distance(key, candidate);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        // Keys are camelCase and matched exactly; another casing is the commonest slip (YAML from docs, Helm).
        return best is null ? null : bestDistance switch
        {
            0 => $"{key}: not a key of this scaler (keys are case-sensitive); did you mean {best}?",
            <= 2 when key.Length >= 5 => $"{key}: not a key of this scaler; did you mean {best}?",
            _ => null,
        };
    }

    // Optimal string alignment distance, case-insensitive (ASCII): edits, plus swaps of neighbours.
    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2)
        {
            return int.MaxValue;
        }

        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1
                    && char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 2])
                    && char.ToLowerInvariant(a[i - 2]) == char.ToLowerInvariant(b[j - 1]))
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
