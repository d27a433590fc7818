using Scaler.FrontDoors.Keda;
using Scaler.Signals.RabbitMq;
using Scaler.Tests.Triggers;
using Scaler.Triggers;
using Xunit;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>
/// The malformed-metadata table (issue 5): every key with bad values. Each row starts from a valid trigger
/// (pending requests from vLLM pods, one replica minimum), applies its changes (<c>-</c> removes a key) and
/// expects one error naming the key with a fragment of what was expected.
/// </summary>
public class TriggerMetadataMalformedTests
{
    private const string Absent = "-";

    [Theory]
    // ---- workload
    // A selector with a broken value list.
    [InlineData("podSelector", "label selector", new[] { "podSelector", "app in vllm" })]
    // An empty selector would select every pod of the namespace.
    [InlineData("podSelector", "empty value", new[] { "podSelector", "" })]
    // podSelector does nothing for a Prometheus-only trigger.
    [InlineData("podSelector", "only used by signals read from the workload's pods", new[] { "server", Absent, "prometheusAddress", "http://prom:9090", "pendingRequestsQuery", "sum(x)", "podSelector", "app=vllm" })]
    // ---- GPU
    // A fraction where a percent is expected.
    [InlineData("gpuUtilizationTarget", "percent from 1 to 100 such as 70", new[] { "gpuUtilizationTarget", "0.7" })]
    // Zero.
    [InlineData("gpuUtilizationTarget", "got '0'", new[] { "gpuUtilizationTarget", "0" })]
    // Over 100.
    [InlineData("gpuUtilizationTarget", "got '101'", new[] { "gpuUtilizationTarget", "101" })]
    // Not a number.
    [InlineData("gpuUtilizationTarget", "got 'seventy'", new[] { "gpuUtilizationTarget", "seventy" })]
    // A percent sign.
    [InlineData("gpuUtilizationTarget", "got '70%'", new[] { "gpuUtilizationTarget", "70%" })]
    // Negative memory target.
    [InlineData("gpuMemoryTarget", "got '-5'", new[] { "gpuMemoryTarget", "-5" })]
    // Unknown mode.
    [InlineData("gpuMode", "ignore, hold, hold-add or max", new[] { "gpuUtilizationTarget", "70", "gpuMode", "aggressive" })]
    // A mode without a GPU signal.
    [InlineData("gpuMode", "only used with gpuUtilizationTarget", new[] { "gpuMode", "hold" })]
    // ---- pending requests from the pods
    // Unknown server.
    [InlineData("server", "vllm, triton or tgi", new[] { "server", "ollama" })]
    // Not a Prometheus metric name.
    [InlineData("pendingRequestsMetric", "Prometheus metric name", new[] { "pendingRequestsMetric", "vllm-waiting" })]
    // Port zero.
    [InlineData("metricsPort", "port number from 1 to 65535", new[] { "metricsPort", "0" })]
    // Port too big.
    [InlineData("metricsPort", "got '70000'", new[] { "metricsPort", "70000" })]
    // Port as a name.
    [InlineData("metricsPort", "got 'http'", new[] { "metricsPort", "http" })]
    // A path without the leading slash.
    [InlineData("metricsPath", "starting with '/'", new[] { "metricsPath", "metrics" })]
    // A path with a query string.
    [InlineData("metricsPath", "starting with '/'", new[] { "metricsPath", "/metrics?x=1" })]
    // A custom metric with no server needs a port.
    [InlineData("metricsPort", "required with pendingRequestsMetric", new[] { "server", Absent, "pendingRequestsMetric", "queue_depth" })]
    // A port with pending requests from Prometheus.
    [InlineData("metricsPort", "only used with pending requests read from the pods", new[] { "server", Absent, "prometheusAddress", "http://prom:9090", "pendingRequestsQuery", "sum(x)", "metricsPort", "8000" })]
    // Zero target.
    [InlineData("pendingRequestsTarget", "positive number", new[] { "sizing", "pending", "pendingRequestsTarget", "0" })]
    // Negative target.
    [InlineData("pendingRequestsTarget", "got '-1'", new[] { "sizing", "pending", "pendingRequestsTarget", "-1" })]
    // Not a number.
    [InlineData("pendingRequestsTarget", "got 'five'", new[] { "sizing", "pending", "pendingRequestsTarget", "five" })]
    // NaN.
    [InlineData("pendingRequestsTarget", "got 'NaN'", new[] { "sizing", "pending", "pendingRequestsTarget", "NaN" })]
    // Infinity.
    [InlineData("pendingRequestsTarget", "got 'Infinity'", new[] { "sizing", "pending", "pendingRequestsTarget", "Infinity" })]
    // An exponent.
    [InlineData("pendingRequestsTarget", "got '1e3'", new[] { "sizing", "pending", "pendingRequestsTarget", "1e3" })]
    // Negative activation.
    [InlineData("activationPendingRequests", "0 or more", new[] { "sizing", "pending", "activationPendingRequests", "-1" })]
    // An activation threshold belongs to the pending mode (capacity sizing is active while work arrives).
    [InlineData("activationPendingRequests", "only used with sizing: pending", new[] { "activationPendingRequests", "2" })]
    // A pending target under capacity sizing (the default for vLLM) sets nothing.
    [InlineData("pendingRequestsTarget", "only used with sizing: pending", new[] { "pendingRequestsTarget", "5" })]
    // A pending target with no pending-requests signal.
    [InlineData("pendingRequestsTarget", "only used with pending requests", new[] { "server", Absent, "gpuUtilizationTarget", "70", "pendingRequestsTarget", "5" })]
    // ---- pending requests from Prometheus
    // Both places at once.
    [InlineData("server, prometheusAddress", "from one place", new[] { "sizing", "pending", "prometheusAddress", "http://prom:9090", "pendingRequestsQuery", "sum(x)" })]
    // An address without a query.
    [InlineData("pendingRequestsQuery", "required with prometheusAddress", new[] { "server", Absent, "prometheusAddress", "http://prom:9090" })]
    // A query without an address.
    [InlineData("prometheusAddress", "required with pendingRequestsQuery", new[] { "server", Absent, "pendingRequestsQuery", "sum(x)" })]
    // Not a URI.
    [InlineData("prometheusAddress", "invalid URI", new[] { "server", Absent, "prometheusAddress", "prom 9090", "pendingRequestsQuery", "sum(x)" })]
    // Not http(s).
    [InlineData("prometheusAddress", "invalid URI", new[] { "server", Absent, "prometheusAddress", "ftp://prom", "pendingRequestsQuery", "sum(x)" })]
    // User info (credentials) in the address, refused as the Prometheus source does.
    [InlineData("prometheusAddress", "must not carry credentials", new[] { "server", Absent, "prometheusAddress", "http://u:p@prom:9090", "pendingRequestsQuery", "sum(x)" })]
    // A query string in the address.
    [InlineData("prometheusAddress", "query string", new[] { "server", Absent, "prometheusAddress", "http://prom:9090/?x=1", "pendingRequestsQuery", "sum(x)" })]
    // An empty query.
    [InlineData("pendingRequestsQuery", "empty value", new[] { "server", Absent, "prometheusAddress", "http://prom:9090", "pendingRequestsQuery", "  " })]
    // A token with nowhere to go.
    [InlineData("prometheusBearerTokenFromEnv", "only used with prometheusAddress", new[] { "prometheusBearerTokenFromEnv", "t0ken" })]
    // ---- queue
    // Not a URI.
    [InlineData("rabbitmqHost", "expected an amqp://, amqps://, http:// or https:// URI such as amqp://", new[] { "rabbitmqHost", "rabbit 5672", "queueName", "jobs" })]
    // Not an AMQP or HTTP scheme.
    [InlineData("rabbitmqHost", "scheme", new[] { "rabbitmqHost", "ftp://rabbit", "queueName", "jobs" })]
    // A '/' inside an AMQP vhost.
    [InlineData("rabbitmqHost", "%2F", new[] { "rabbitmqHost", "amqp://rabbit/a/b", "queueName", "jobs" })]
    // Both host keys.
    [InlineData("rabbitmqHost, rabbitmqHostFromEnv", "give one", new[] { "rabbitmqHost", "amqp://rabbit", "rabbitmqHostFromEnv", "amqp://other", "queueName", "jobs" })]
    // A queue with no broker (say, a *FromEnv key KEDA dropped).
    [InlineData("rabbitmqHost", "KEDA drops that key", new[] { "queueName", "jobs" })]
    // A broker with no queue.
    [InlineData("queueName", "required", new[] { "rabbitmqHost", "amqp://rabbit" })]
    // A broker alias the scaler does not know.
    [InlineData("rabbitmqBrokerRef", "no broker 'nope'", new[] { "rabbitmqBrokerRef", "nope", "queueName", "jobs" })]
    // Zero queue target.
    [InlineData("queueLengthTarget", "positive number", new[] { "rabbitmqHost", "amqp://rabbit", "queueName", "jobs", "queueLengthTarget", "0" })]
    // Negative activation.
    [InlineData("activationQueueLength", "got '-3'", new[] { "rabbitmqHost", "amqp://rabbit", "queueName", "jobs", "activationQueueLength", "-3" })]
    // A vhost with no queue.
    [InlineData("vhost", "only used with a queue", new[] { "vhost", "prod" })]
    // An empty vhost (the default vhost is / or %2F).
    [InlineData("vhost", "empty value", new[] { "rabbitmqHost", "amqp://rabbit", "queueName", "jobs", "vhost", "" })]
    // An empty queue name.
    [InlineData("queueName", "empty value", new[] { "rabbitmqHost", "amqp://rabbit", "queueName", "" })]
    // The URI KEDA resolved from the container's env has the wrong scheme.
    [InlineData("rabbitmqHostFromEnv", "scheme", new[] { "rabbitmqHostFromEnv", "ftp://rabbit", "queueName", "jobs" })]
    // The URI KEDA resolved from the container's env is not a URI.
    [InlineData("rabbitmqHostFromEnv", "expected an amqp://", new[] { "rabbitmqHostFromEnv", "rabbit:5672", "queueName", "jobs" })]
    // A token with a line break would split the Authorization header.
    [InlineData("prometheusBearerTokenFromEnv", "bearer token", new[] { "server", Absent, "prometheusAddress", "http://prom:9090", "pendingRequestsQuery", "sum(x)", "prometheusBearerTokenFromEnv", "abc\r\nX-Injected: 1" })]
    // A queue target with no queue.
    [InlineData("queueLengthTarget", "only used with a queue", new[] { "queueLengthTarget", "10" })]
    // ---- policy
    // Negative minimum.
    [InlineData("minReplicas", "whole number 0 or more", new[] { "minReplicas", "-1" })]
    // A fraction.
    [InlineData("minReplicas", "got '1.5'", new[] { "minReplicas", "1.5" })]
    // A word.
    [InlineData("minReplicas", "got 'one'", new[] { "minReplicas", "one" })]
    // Empty.
    [InlineData("minReplicas", "empty value", new[] { "minReplicas", "" })]
    // Zero maximum.
    [InlineData("maxReplicas", "whole number 1 or more", new[] { "maxReplicas", "0" })]
    // Minimum above maximum.
    [InlineData("minReplicas", "must not exceed maxReplicas (5 > 3)", new[] { "minReplicas", "5", "maxReplicas", "3" })]
    // Idle above maximum (default 10).
    [InlineData("idleReplicas", "between 0 and maxReplicas (10)", new[] { "idleReplicas", "20" })]
    // Negative idle.
    [InlineData("idleReplicas", "got '-1'", new[] { "idleReplicas", "-1" })]
    // A fallback of 0 would scale to zero on a failure.
    [InlineData("fallbackReplicas", "whole number 1 or more", new[] { "fallbackReplicas", "0" })]
    // A fallback above the maximum.
    [InlineData("fallbackReplicas", "between 1 and maxReplicas (4)", new[] { "maxReplicas", "4", "fallbackReplicas", "5" })]
    // A bare number is not a duration.
    [InlineData("scaleToZeroAfter", "duration such as 90s", new[] { "scaleToZeroAfter", "15" })]
    // Words.
    [InlineData("scaleToZeroAfter", "got '15 minutes'", new[] { "scaleToZeroAfter", "15 minutes" })]
    // A negative duration.
    [InlineData("scaleToZeroAfter", "got '-5m'", new[] { "scaleToZeroAfter", "-5m" })]
    // A decimal comma.
    [InlineData("scaleToZeroAfter", "got '1,5h'", new[] { "scaleToZeroAfter", "1,5h" })]
    // A window longer than the HPA allows.
    [InlineData("scaleUpStabilization", "from 0s to 1h", new[] { "scaleUpStabilization", "2h" })]
    // Not a duration.
    [InlineData("scaleDownStabilization", "got 'soon'", new[] { "scaleDownStabilization", "soon" })]
    // The example from the issue.
    [InlineData("scaleUpLimit", "expected <pods>/<duration> such as 2/60s", new[] { "scaleUpLimit", "2 per minute" })]
    // A bare period.
    [InlineData("scaleUpLimit", "got '2/60'", new[] { "scaleUpLimit", "2/60" })]
    // Zero pods.
    [InlineData("scaleUpLimit", "1 or more", new[] { "scaleUpLimit", "0/60s" })]
    // A period longer than 30 minutes.
    [InlineData("scaleDownLimit", "at most 30m", new[] { "scaleDownLimit", "1/45m" })]
    // Percent with no number.
    [InlineData("scaleDownLimit", "got '%/60s'", new[] { "scaleDownLimit", "%/60s" })]
    // A zero staleness limit.
    [InlineData("staleAfter", "positive duration", new[] { "staleAfter", "0s" })]
    // Not a duration.
    [InlineData("staleAfter", "got 'later'", new[] { "staleAfter", "later" })]
    // Scale to zero with demand only the (then absent) pods can report.
    [InlineData("minReplicas", "never scale up again", new[] { "minReplicas", Absent })]
    // ---- signals and keys
    // No signal at all.
    [InlineData("server, pendingRequestsMetric, prometheusAddress, pendingRequestsQuery, rabbitmqHost, rabbitmqHostFromEnv, rabbitmqBrokerRef, queueName, gpuUtilizationTarget, gpuMemoryTarget", "at least one signal is required", new[] { "server", Absent })]
    // Another casing of a key.
    [InlineData("MinReplicas", "did you mean minReplicas", new[] { "MinReplicas", "1" })]
    // A typo.
    [InlineData("maxReplica", "not a key of this scaler; did you mean maxReplicas", new[] { "maxReplica", "4" })]
    // A transposition.
    [InlineData("queueNmae", "did you mean queueName", new[] { "queueNmae", "jobs" })]
    // The built-in Prometheus scaler's key.
    [InlineData("serverAddress", "did you mean prometheusAddress", new[] { "serverAddress", "http://prom:9090" })]
    // The built-in RabbitMQ scaler's key.
    [InlineData("host", "did you mean rabbitmqHost", new[] { "host", "amqp://rabbit" })]
    // KEDA's ScaledObject field.
    [InlineData("maxReplicaCount", "did you mean maxReplicas", new[] { "maxReplicaCount", "4" })]
    public void TryParse_MalformedValue_ErrorNamesTheKey(string key, string fragment, string[] changes)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["server"] = "vllm", ["minReplicas"] = "1" };
        for (var i = 0; i < changes.Length; i += 2)
        {
            if (changes[i + 1] == Absent)
            {
                metadata.Remove(changes[i]);
            }
            else
            {
                metadata[changes[i]] = changes[i + 1];
            }
        }

        var parsed = TestTriggers.TryParse(new ScaledObjectKey("ml", "llama"), metadata, new RabbitMqCredentialsOptions(), out var spec, out var errors);

        Assert.False(parsed);
        Assert.Null(spec);
        var error = Assert.Single(errors);
        Assert.StartsWith(key + ":", error, StringComparison.Ordinal);
        Assert.Contains(fragment, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_SeveralBadKeys_ReportsEveryOne()
    {
        var metadata = new Dictionary<string, string>
        {
            ["server"] = "ollama",
            ["gpuUtilizationTarget"] = "0.7",
            ["minReplicas"] = "-1",
            ["scaleUpLimit"] = "2 per minute",
            ["staleAfter"] = "60",
            ["maxRepilcas"] = "3",
        };

        Assert.False(TestTriggers.TryParse(new ScaledObjectKey("ml", "llama"), metadata, new RabbitMqCredentialsOptions(), out _, out var errors));

        Assert.Equal(
            new[] { "gpuUtilizationTarget", "maxRepilcas", "minReplicas", "scaleUpLimit", "server", "staleAfter" },
            errors.Select(e => e[..e.IndexOf(':', StringComparison.Ordinal)]).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void TryParse_SameBadMetadata_SameErrorsInTheSameOrder()
    {
        var forward = new Dictionary<string, string> { ["server"] = "ollama", ["minReplicas"] = "x", ["MaxReplicas"] = "3", ["staleAfter"] = "soon" };
        var backward = new Dictionary<string, string>(forward.Reverse());

        TestTriggers.TryParse(new ScaledObjectKey("ml", "llama"), forward, new RabbitMqCredentialsOptions(), out _, out var first);
        TestTriggers.TryParse(new ScaledObjectKey("ml", "llama"), backward, new RabbitMqCredentialsOptions(), out _, out var second);

        Assert.Equal(4, first.Count);
        Assert.Equal(first, second);
    }
}
