using System.Text.RegularExpressions;
using Scaler.Decisions;
using Scaler.FrontDoors.Keda;
using Scaler.Signals.GpuFleet;
using Scaler.Signals.InferenceServer;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.Prometheus;
using Scaler.Signals.RabbitMq;
using Scaler.Tests.Triggers;
using Scaler.Triggers;
using Xunit;

namespace Scaler.Tests.FrontDoors.Keda;

public partial class TriggerMetadataTests
{
    private static readonly ScaledObjectKey Llama = new("ml", "llama");

    [Fact]
    public void TryParse_ServerOnly_CapacitySizingFromTheWorkCountersWithDefaults()
    {
        var spec = Parse(("server", "vllm"), ("minReplicas", "1"));

        // vLLM exposes token counters: capacity sizing is the default, its inputs the work figures.
        Assert.Empty(TestTriggers.Signals(spec));
        Assert.Equal(new Scaler.Decisions.Capacity.CapacityPolicy().TimeToFirstToken, spec.Policy.Capacity!.TimeToFirstToken);
        Assert.Equal(99, spec.Policy.Capacity.Percentile);
        Assert.Equal(ScalingRules.KubernetesUp, spec.Policy.ScaleUp);
        Assert.Equal(ScalingRules.KubernetesDown, spec.Policy.ScaleDown);
        var inputs = spec.Queries.Values.OfType<WorkQuery>().ToList();
        Assert.Equal(Enum.GetValues<WorkMetric>(), inputs.Select(q => q.Metric).Order());
        Assert.All(inputs, q => Assert.Equal((new WorkloadRef("ml", "llama"), InferenceServerKind.Vllm, 8000), (q.Workload, q.Server, q.Port)));
        Assert.Equal(new Scaler.Decisions.Capacity.WorkSignalNames().All.Order(StringComparer.Ordinal), spec.Queries.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    // the objective, its percentile and the burst knob
    [InlineData("sloTimeToFirstToken", "1500ms", "TimeToFirstToken=00:00:01.5000000")]
    [InlineData("sloPercentile", "95", "Percentile=95")]
    [InlineData("burstCoverage", "0", "BurstCoverage=0")]
    // the profile's starting point and the server's limits
    [InlineData("prefillTokensPerSecond", "4000", "TokenSeconds=0.00025")]
    [InlineData("stepTime", "40ms", "StepSeconds=0.04")]
    [InlineData("kvCacheTokens", "32768", "KvCacheTokens=32768")]
    [InlineData("maxNumSeqs", "128", "MaxSequences=128")]
    [InlineData("maxBatchedTokens", "8192", "MaxBatchedTokens=8192")]
    public void TryParse_CapacityKey_SetsTheField(string key, string value, string expected)
    {
        var capacity = Parse(("server", "vllm"), ("minReplicas", "1"), (key, value)).Policy.Capacity!;

        var field = expected[..expected.IndexOf('=', StringComparison.Ordinal)];
        var actual = field switch
        {
            "TimeToFirstToken" => capacity.TimeToFirstToken.ToString(),
            "Percentile" => capacity.Percentile.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "BurstCoverage" => capacity.BurstCoverage.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "TokenSeconds" => capacity.Profile.TokenSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "StepSeconds" => capacity.Profile.StepSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "KvCacheTokens" => capacity.Profile.KvCacheTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "MaxSequences" => capacity.Profile.MaxSequences.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => capacity.Profile.MaxBatchedTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        Assert.Equal(expected, $"{field}={actual}");
    }

    [Theory]
    // Triton exposes no token counters
    [InlineData(new[] { "server", "triton", "sizing", "capacity" }, "sizing: capacity needs the token counters of vllm or tgi (server: triton has none); use pending")]
    // a per-replica target belongs to the pending mode
    [InlineData(new[] { "server", "vllm", "sizing", "capacity", "pendingRequestsTarget", "5" }, "pendingRequestsTarget: only used with sizing: pending")]
    // an objective without capacity sizing does nothing
    [InlineData(new[] { "server", "vllm", "sizing", "pending", "sloTimeToFirstToken", "2s" }, "sloTimeToFirstToken: only used with sizing: capacity (vLLM or TGI)")]
    // the mode's name
    [InlineData(new[] { "server", "vllm", "sizing", "fast" }, "sizing: expected capacity or pending, got 'fast'")]
    // the objective's percentile
    [InlineData(new[] { "server", "vllm", "sloPercentile", "100" }, "sloPercentile: expected a number from 50 to 99.99 such as 99, got '100'")]
    [InlineData(new[] { "server", "vllm", "sloTimeToFirstToken", "0s" }, "sloTimeToFirstToken: expected a positive duration such as 2s or 1500ms, got '0s'")]
    public void TryParse_CapacityMisuse_ErrorNamesTheKey(string[] pairs, string expected)
    {
        var metadata = Enumerable.Range(0, pairs.Length / 2).ToDictionary(i => pairs[2 * i], i => pairs[(2 * i) + 1], StringComparer.Ordinal);
        metadata["minReplicas"] = "1";

        Assert.False(TestTriggers.TryParse(Llama, metadata, new RabbitMqCredentialsOptions(), out _, out var errors));
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void TryParse_ServerWithPendingSizing_PendingRequestsFromPodsWithDefaults()
    {
        var spec = Parse(("server", "vllm"), ("sizing", "pending"), ("minReplicas", "1"));

        var signal = Assert.Single(TestTriggers.Signals(spec));
        Assert.Equal(new SignalSpec("pending-requests", SignalKind.Total, SignalRole.Demand, 5), signal.Spec);
        var query = Assert.IsType<InferenceQueueQuery>(signal.Query);
        Assert.Equal(new WorkloadRef("ml", "llama"), query.Workload);
        Assert.Equal(InferenceServerKind.Vllm, query.Server);
        Assert.Equal("vllm:num_requests_waiting", query.PendingMetric);
        Assert.Equal(8000, query.Port);
        Assert.Equal("/metrics", query.MetricsPath);
        Assert.Equal(ScalingPolicy.Defaults with { Signals = spec.Policy.Signals, MinReplicas = 1 }, spec.Policy);
        Assert.Equal(new[] { signal.Spec }, spec.Policy.Signals.ToArray());
        Assert.Equal(Llama, spec.ScaledObject);
        Assert.Null(spec.Policy.Capacity);
    }

    [Fact]
    public void TryParse_EveryKey_EveryFieldSet()
    {
        var spec = Parse(
            ("podSelector", "app=vllm, tier in (gpu)"),
            ("gpuUtilizationTarget", "70"),
            ("gpuMemoryTarget", "85.5"),
            ("gpuMode", "hold"),
            ("server", "tgi"),
            ("pendingRequestsMetric", "tgi_queue_size_total"),
            ("metricsPort", "9000"),
            ("metricsPath", "/prom"),
            ("pendingRequestsTarget", "8.5"),
            ("activationPendingRequests", "2"),
            ("rabbitmqHost", "amqp://rabbit.default:5672/orders"),
            ("queueName", "jobs"),
            ("vhost", "prod"),
            ("queueLengthTarget", "20"),
            ("activationQueueLength", "1"),
            ("minReplicas", "0"),
            ("maxReplicas", "16"),
            ("idleReplicas", "2"),
            ("scaleToZeroAfter", "30m"),
            ("scaleUpStabilization", "30s"),
            ("scaleDownStabilization", "10m"),
            ("scaleUpLimit", "4/15s,100%/15s"),
            ("scaleDownLimit", "1/2m"),
            ("fallbackReplicas", "3"),
            ("staleAfter", "2m"),
            ("scalerAddress", "scaler.keda:9090"),
            ("enableTLS", "false"));

        var stale = TimeSpan.FromMinutes(2);
        Assert.Equal(
            [
                new SignalSpec("pending-requests", SignalKind.Total, SignalRole.Demand, 8.5) { ActivationThreshold = 2, StalenessLimit = stale },
                new SignalSpec("queue-length", SignalKind.Total, SignalRole.Demand, 20) { ActivationThreshold = 1, StalenessLimit = stale },
                new SignalSpec("gpu-utilization", SignalKind.Average, SignalRole.Saturation, 0.7) { StalenessLimit = stale },
                new SignalSpec("gpu-memory", SignalKind.Average, SignalRole.Saturation, 0.855) { StalenessLimit = stale },
            ],
            TestTriggers.Signals(spec).Select(s => s.Spec));
        Assert.Equal(TestTriggers.Signals(spec).Select(s => s.Spec), spec.Policy.Signals);

        var workload = new WorkloadRef("ml", "llama", "app=vllm,tier=gpu"); // the selector's canonical form
        var pods = Assert.IsType<InferenceQueueQuery>(TestTriggers.Signals(spec)[0].Query);
        Assert.Equal(workload, pods.Workload);
        Assert.Equal((InferenceServerKind.Tgi, "tgi_queue_size_total", 9000, "/prom"), (pods.Server, pods.PendingMetric, pods.Port, pods.MetricsPath));
        var queue = Assert.IsType<RabbitMqQuery>(TestTriggers.Signals(spec)[1].Query);
        Assert.Equal(("amqp://rabbit.default:5672", "prod", "jobs", RabbitMqMode.QueueLength), (queue.Broker.Display, queue.Broker.VirtualHost, queue.QueueName, queue.Mode));
        Assert.Equal(new GpuFleetQuery(workload, GpuFleetAggregate.MeanUtilization), TestTriggers.Signals(spec)[2].Query);
        Assert.Equal(new GpuFleetQuery(workload, GpuFleetAggregate.MaxMemoryUsed), TestTriggers.Signals(spec)[3].Query);

        var policy = spec.Policy;
        Assert.Equal((0, 16, 2, 3), (policy.MinReplicas, policy.MaxReplicas, policy.IdleReplicas, policy.FallbackReplicas));
        Assert.Equal(TimeSpan.FromMinutes(30), policy.ScaleToZeroAfter);
        Assert.Equal(TimeSpan.FromSeconds(30), policy.ScaleUp.StabilizationWindow);
        Assert.Equal("4 pods per 15s|100% per 15s", string.Join('|', policy.ScaleUp.Limits));
        Assert.Equal(SelectPolicy.Max, policy.ScaleUp.Select);
        Assert.Equal(TimeSpan.FromMinutes(10), policy.ScaleDown.StabilizationWindow);
        Assert.Equal("1 pods per 120s", string.Join('|', policy.ScaleDown.Limits));
        Assert.Equal(SaturationMode.HoldOnly, policy.Saturation);
        Assert.Empty(policy.Validate());
    }

    [Fact]
    public void TryParse_Prometheus_QueryWithBearerToken()
    {
        var spec = Parse(
            ("prometheusAddress", "https://prometheus.monitoring:9090/prom"),
            ("pendingRequestsQuery", "sum(vllm:num_requests_waiting{model_name=\"llama\"}) or vector(0)"),
            ("prometheusBearerTokenFromEnv", "t0ken"));

        var signal = Assert.Single(TestTriggers.Signals(spec));
        Assert.Equal(new SignalSpec("pending-requests", SignalKind.Total, SignalRole.Demand, 5), signal.Spec);
        var query = Assert.IsType<PrometheusQuery>(signal.Query);
        Assert.Equal(new Uri("https://prometheus.monitoring:9090/prom"), query.ServerAddress);
        Assert.Equal("sum(vllm:num_requests_waiting{model_name=\"llama\"}) or vector(0)", query.Query);
        Assert.Equal(new BearerAuth("t0ken"), query.Auth);
        Assert.False(query.TreatEmptyAsZero);
        Assert.Equal(0, spec.Policy.MinReplicas); // Prometheus sees demand at zero replicas: scale to zero is allowed.
    }

    [Fact]
    public void TryParse_CustomMetricWithoutServer_CustomPreset()
    {
        var spec = Parse(("pendingRequestsMetric", "queue_depth"), ("metricsPort", "8080"), ("minReplicas", "1"));

        var query = Assert.IsType<InferenceQueueQuery>(Assert.Single(TestTriggers.Signals(spec)).Query);
        Assert.Equal((InferenceServerKind.Custom, "queue_depth", 8080), (query.Server, query.PendingMetric, query.Port));
    }

    [Fact]
    public void TryParse_GpuOnly_SaturationSignalsAndNoActivity()
    {
        var spec = Parse(("gpuUtilizationTarget", "1"), ("gpuMemoryTarget", "100"));

        Assert.Equal(
            [
                new SignalSpec("gpu-utilization", SignalKind.Average, SignalRole.Saturation, 0.01),
                new SignalSpec("gpu-memory", SignalKind.Average, SignalRole.Saturation, 1.0),
            ],
            TestTriggers.Signals(spec).Select(s => s.Spec));
        Assert.Equal(SaturationMode.Ignore, spec.Policy.Saturation);
    }

    [Fact]
    public void TryParse_QueueFromEnvAndBrokerRef_MapsOntoTheRabbitMqQuery()
    {
        var brokers = new RabbitMqCredentialsOptions();
        brokers.Brokers["orders"] = new RabbitMqBrokerOptions { Username = "scaler", Password = "pw" };
        var metadata = Metadata(("rabbitmqHostFromEnv", "http://rabbit:15672/%2F"), ("rabbitmqBrokerRef", "orders"), ("queueName", "jobs"));

        Assert.True(TestTriggers.TryParse(Llama, metadata, brokers, out var spec, out var errors), string.Join("; ", errors));

        var query = Assert.IsType<RabbitMqQuery>(Assert.Single(TestTriggers.Signals(spec)).Query);
        Assert.Equal(("http://rabbit:15672", "/", "scaler", true), (query.Broker.Display, query.Broker.VirtualHost, query.Broker.Credentials.UserName, query.IncludeUnacked));
        Assert.Equal(new SignalSpec("queue-length", SignalKind.Total, SignalRole.Demand, 5), TestTriggers.Signals(spec)[0].Spec);
    }

    [Theory]
    // Each GPU mode.
    [InlineData("gpuMode", "ignore", "Saturation=Ignore")]
    [InlineData("gpuMode", "hold", "Saturation=HoldOnly")]
    [InlineData("gpuMode", "hold-add", "Saturation=HoldAndAddWithDemand")]
    [InlineData("gpuMode", "MAX", "Saturation=Max")]
    // No scale-up limit at all.
    [InlineData("scaleUpLimit", "none", "ScaleUp=0s||Max")]
    // Never scale down.
    [InlineData("scaleDownLimit", "disabled", "ScaleDown=300s||Disabled")]
    // Stabilization of zero written as a bare 0.
    [InlineData("scaleDownStabilization", "0", "ScaleDown=0s|1 pods per 120s|Max")]
    // The longest window.
    [InlineData("scaleUpStabilization", "1h", "ScaleUp=3600s|2 pods per 60s|Max")]
    // Idle tier of zero.
    [InlineData("idleReplicas", "0", "IdleReplicas=0")]
    // Scale to zero right away.
    [InlineData("scaleToZeroAfter", "0s", "ScaleToZeroAfter=00:00:00")]
    // Combined duration.
    [InlineData("scaleToZeroAfter", "1h30m", "ScaleToZeroAfter=01:30:00")]
    // Whitespace around a value is trimmed.
    [InlineData("maxReplicas", " 4 ", "MaxReplicas=4")]
    public void TryParse_PolicyKey_SetsTheField(string key, string value, string expected)
    {
        var policy = Parse(("server", "vllm"), ("sizing", "pending"), ("minReplicas", "1"), ("gpuUtilizationTarget", "70"), (key, value)).Policy;

        var field = expected[..expected.IndexOf('=', StringComparison.Ordinal)];
        string actual = field switch
        {
            "Saturation" => policy.Saturation.ToString(),
            "ScaleUp" => Rules(policy.ScaleUp),
            "ScaleDown" => Rules(policy.ScaleDown),
            "IdleReplicas" => policy.IdleReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "ScaleToZeroAfter" => policy.ScaleToZeroAfter.ToString(),
            _ => policy.MaxReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        Assert.Equal(expected, $"{field}={actual}");

        static string Rules(ScalingRules rules) => $"{rules.StabilizationWindow.TotalSeconds}s|{string.Join(',', rules.Limits)}|{rules.Select}";
    }

    [Fact]
    public void TryParse_DocsExamples_Valid()
    {
        // The two triggers of docs/keda-metadata.md.
        var llm = Parse(
            ("scalerAddress", "scaler.scaler-system.svc:9090"),
            ("prometheusAddress", "http://prometheus.monitoring:9090"),
            ("pendingRequestsQuery", "sum(vllm:num_requests_waiting{model_name=\"llama\"}) or vector(0)"),
            ("pendingRequestsTarget", "5"),
            ("gpuUtilizationTarget", "70"),
            ("gpuMode", "hold"),
            ("podSelector", "app=llama-vllm"),
            ("minReplicas", "0"),
            ("maxReplicas", "16"),
            ("idleReplicas", "1"),
            ("scaleToZeroAfter", "15m"),
            ("scaleUpLimit", "2/60s"),
            ("scaleDownLimit", "1/2m"),
            ("scaleDownStabilization", "5m"),
            ("fallbackReplicas", "2"),
            ("staleAfter", "60s"));
        var worker = Parse(
            ("scalerAddress", "scaler.scaler-system.svc:9090"),
            ("rabbitmqHostFromEnv", "amqp://guest:guest@rabbitmq.default:5672/"),
            ("queueName", "inference-requests"),
            ("queueLengthTarget", "10"),
            ("minReplicas", "0"),
            ("maxReplicas", "8"));

        Assert.Equal(["pending-requests", "gpu-utilization"], TestTriggers.Signals(llm).Select(s => s.Spec.Name));
        Assert.Equal(["queue-length"], TestTriggers.Signals(worker).Select(s => s.Spec.Name));
    }

    [Fact]
    public void TryParse_KedaAndForeignKeys_Ignored()
    {
        var spec = Parse(("server", "vllm"), ("minReplicas", "1"), ("scalerAddress", "x:9090"), ("enableTLS", "true"), ("unsafeSsl", "false"), ("team", "inference"), ("owner", "ml-platform"));

        Assert.NotNull(spec.Policy.Capacity);
    }

    [Fact]
    public void TryParse_Secrets_NeverInErrorsKeysOrText()
    {
        const string Secret = "s3cr3t-Pa55";
        var cases = new[]
        {
            // Credentials in a Prometheus address are refused.
            Metadata(("prometheusAddress", $"http://admin:{Secret}@prom:9090"), ("pendingRequestsQuery", "sum(x)")),
            // A Prometheus address that is no URI at all.
            Metadata(("prometheusAddress", $"admin:{Secret} prom"), ("pendingRequestsQuery", "sum(x)")),
            // A RabbitMQ URI with a vhost that needs %2F.
            Metadata(("rabbitmqHost", $"amqp://user:{Secret}@rabbit/a/b"), ("queueName", "jobs")),
            // A RabbitMQ URI from the environment with a bad scheme.
            Metadata(("rabbitmqHostFromEnv", $"ftp://user:{Secret}@rabbit"), ("queueName", "jobs")),
            // Both host keys.
            Metadata(("rabbitmqHostFromEnv", $"amqp://user:{Secret}@rabbit"), ("rabbitmqHost", $"amqp://user:{Secret}@rabbit"), ("queueName", "jobs")),
            // A token with no address.
            Metadata(("prometheusBearerTokenFromEnv", Secret), ("server", "vllm"), ("minReplicas", "1")),
            // A token alongside an invalid address and an invalid target.
            Metadata(("prometheusBearerTokenFromEnv", Secret), ("prometheusAddress", $"ftp://{Secret}"), ("pendingRequestsQuery", "q"), ("pendingRequestsTarget", "x")),
        };

        foreach (var metadata in cases)
        {
            Assert.False(TestTriggers.TryParse(Llama, metadata, new RabbitMqCredentialsOptions(), out _, out var errors));
            Assert.NotEmpty(errors);
            Assert.All(errors, error => Assert.DoesNotContain(Secret, error, StringComparison.Ordinal));
        }

        var valid = Parse(
            ("rabbitmqHost", $"amqp://user:{Secret}@rabbit/orders"),
            ("queueName", "jobs"),
            ("prometheusAddress", "http://prom:9090"),
            ("pendingRequestsQuery", "sum(x)"),
            ("prometheusBearerTokenFromEnv", Secret));
        Assert.All(TestTriggers.Signals(valid), signal =>
        {
            Assert.DoesNotContain(Secret, signal.Query.Key, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, signal.Query.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, signal.Query.Upstream, StringComparison.Ordinal);
        });
        Assert.DoesNotContain(Secret, valid.MetricName, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_LongValue_ShownShortened()
    {
        var value = new string('x', 500);

        Assert.False(TestTriggers.TryParse(Llama, Metadata(("server", value)), new RabbitMqCredentialsOptions(), out _, out var errors));

        var error = Assert.Single(errors, e => e.StartsWith("server:", StringComparison.Ordinal));
        Assert.True(error.Length < 250, error);
    }

    [Fact]
    public void TryParse_NoScaledObjectName_Refused()
    {
        Assert.False(TestTriggers.TryParse(new ScaledObjectKey("", ""), Metadata(("server", "vllm"), ("minReplicas", "1")), new RabbitMqCredentialsOptions(), out _, out var errors));
        Assert.StartsWith("scaledObjectRef:", Assert.Single(errors), StringComparison.Ordinal);
    }

    // ---- metric names

    [Fact]
    public void MetricName_Simple_ReadableLowerCaseWithHash()
    {
        var name = Parse(("server", "vllm"), ("minReplicas", "1")).MetricName;

        Assert.Matches("^scaler-ml-llama-[0-9a-f]{8}$", name);
    }

    [Theory]
    // Upper case and dots (a ScaledObject name may be a DNS subdomain).
    [InlineData("Team.A", "My.Model.v2")]
    // The longest names Kubernetes allows.
    [InlineData("n123456789012345678901234567890123456789012345678901234567890ab", "a-very-long-name-that-goes-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-end")]
    // Nothing readable at all.
    [InlineData("---", "...")]
    // Non-ASCII.
    [InlineData("ns", "modèle-ünïcode")]
    public void MetricName_AnyScaledObject_PathSafeDnsLabel(string ns, string name)
    {
        var metric = MetricNames.For(new ScaledObjectKey(ns, name), ["pending-requests"]);

        Assert.Matches(DnsLabel(), metric);
        Assert.True(metric.Length <= MetricNames.MaxLength, metric);
        Assert.True($"s99-{metric}".Length <= 63, metric);
    }

    [Fact]
    public void MetricName_ManyScaledObjects_ValidAndDistinct()
    {
        var random = new Random(5);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var keys = new HashSet<ScaledObjectKey>();
        for (var i = 0; i < 5_000; i++)
        {
            var key = new ScaledObjectKey(Word(random), Word(random));
            if (!keys.Add(key))
            {
                continue;
            }

            var metric = MetricNames.For(key, ["queue-length|/|jobs"]);
            Assert.Matches(DnsLabel(), metric);
            Assert.True(metric.Length <= MetricNames.MaxLength, metric);
            Assert.True(names.Add(metric), $"{key} collides on {metric}");
        }

        static string Word(Random random)
        {
            const string Alphabet = "ab-.";
            var length = random.Next(1, 90);
            return string.Concat(Enumerable.Range(0, length).Select(_ => Alphabet[random.Next(Alphabet.Length)]));
        }
    }

    [Fact]
    public void MetricName_SlugCollision_DistinctByHash()
    {
        var first = MetricNames.For(new ScaledObjectKey("a-b", "c"), ["pending-requests"]);
        var second = MetricNames.For(new ScaledObjectKey("a", "b-c"), ["pending-requests"]);

        Assert.StartsWith("scaler-a-b-c-", first, StringComparison.Ordinal);
        Assert.StartsWith("scaler-a-b-c-", second, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void MetricName_SameMetadataInAnotherOrder_Same()
    {
        var pairs = new[] { ("server", "vllm"), ("minReplicas", "1"), ("gpuUtilizationTarget", "70"), ("podSelector", "app=vllm") };

        var forward = Parse(pairs).MetricName;
        var backward = Parse([.. pairs.Reverse()]).MetricName;

        Assert.Equal(forward, backward);
    }

    [Fact]
    public void MetricName_TuningEdit_Unchanged_DifferentReads_Changed()
    {
        var baseline = Parse(("rabbitmqHost", "amqp://rabbit"), ("queueName", "jobs")).MetricName;

        // Targets, policy and the broker address do not rename the HPA's metric.
        Assert.Equal(baseline, Parse(("rabbitmqHost", "amqp://other-rabbit"), ("queueName", "jobs"), ("queueLengthTarget", "50"), ("maxReplicas", "3")).MetricName);
        // Another queue, another vhost, another signal: another metric.
        Assert.NotEqual(baseline, Parse(("rabbitmqHost", "amqp://rabbit"), ("queueName", "other")).MetricName);
        Assert.NotEqual(baseline, Parse(("rabbitmqHost", "amqp://rabbit"), ("queueName", "jobs"), ("vhost", "prod")).MetricName);
        Assert.NotEqual(baseline, Parse(("rabbitmqHost", "amqp://rabbit"), ("queueName", "jobs"), ("gpuUtilizationTarget", "70")).MetricName);
        // Another ScaledObject.
        Assert.True(TestTriggers.TryParse(new ScaledObjectKey("ml", "mistral"), Metadata(("rabbitmqHost", "amqp://rabbit"), ("queueName", "jobs")), new RabbitMqCredentialsOptions(), out var other, out _));
        Assert.NotEqual(baseline, other.MetricName);
    }

    private static Trigger Parse(params (string Key, string Value)[] pairs)
    {
        Assert.True(TestTriggers.TryParse(Llama, Metadata(pairs), new RabbitMqCredentialsOptions(), out var spec, out var errors), string.Join("; ", errors));
        Assert.Empty(errors);
        return spec;
    }

    private static Dictionary<string, string> Metadata(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
