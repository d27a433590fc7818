using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scaler.FrontDoors.Keda;
using Scaler.Signals;
using Scaler.Signals.Prometheus;
using Scaler.Signals.RabbitMq;
using Scaler.Triggers;

namespace Scaler.Tests.Triggers;

/// <summary>
/// The operator's allowlist of Prometheus and RabbitMQ servers, and of the namespaces that may use a configured
/// broker: trigger metadata outside it is refused at parse time, so the Scaler never connects there.
/// </summary>
public sealed class AllowlistTests
{
    private static readonly ScaledObjectKey Llm = new("llm", "vllm-so");
    private static readonly ScaledObjectKey Other = new("team-b", "worker-so");

    private static readonly TriggerParser Restricted = TestTriggers.Parser(new Dictionary<string, string?>
    {
        ["Signals:prometheus:AllowedHosts:0"] = "prometheus-operated.monitoring:9090",
        ["Signals:prometheus:AllowedHosts:1"] = "*.monitoring.svc",
        ["Signals:RabbitMq:AllowedHosts:0"] = "rabbitmq.queues:5672",
        ["Signals:RabbitMq:AllowedHosts:1"] = "[fd00::10]",
        ["Signals:RabbitMq:Brokers:orders:Host"] = "amqp://orders.rabbit.internal:5672/",
        ["Signals:RabbitMq:Brokers:orders:Password"] = "s3cret-pw",
        ["Signals:RabbitMq:Brokers:orders:Namespaces:0"] = "llm",
        ["Signals:RabbitMq:Brokers:creds:Username"] = "scaler",
        ["Signals:RabbitMq:Brokers:creds:Password"] = "s3cret-pw",
    });

    private static Dictionary<string, string> Prometheus(string address) => new(StringComparer.Ordinal)
    {
        ["prometheusAddress"] = address,
        ["pendingRequestsQuery"] = "sum(vllm:num_requests_waiting)",
    };

    private static Dictionary<string, string> Queue(params (string Key, string Value)[] broker)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["queueName"] = "jobs" };
        foreach (var (key, value) in broker)
        {
            metadata[key] = value;
        }

        return metadata;
    }

    private static IReadOnlyList<string> Refused(ScaledObjectKey scaledObject, Dictionary<string, string> metadata)
    {
        Assert.False(Restricted.TryParse(scaledObject, metadata, KedaMetadataKeys.Ignored, out _, out var errors));
        Assert.NotEmpty(errors);
        return errors;
    }

    private static void Admitted(ScaledObjectKey scaledObject, Dictionary<string, string> metadata) =>
        Assert.True(Restricted.TryParse(scaledObject, metadata, KedaMetadataKeys.Ignored, out _, out var errors), string.Join("; ", errors));

    [Theory]
    [InlineData("http://prometheus-operated.monitoring:9090")]
    [InlineData("http://PROMETHEUS-operated.monitoring:9090/prefix")]
    [InlineData("https://thanos.monitoring.svc")]
    [InlineData("http://thanos-query.monitoring.svc:10902")]
    public void TryParse_PrometheusOnTheList_Admitted(string address) => Admitted(Llm, Prometheus(address));

    [Theory]
    // Another host.
    [InlineData("http://attacker.example:9090", "attacker.example:9090")]
    // The right host on another port.
    [InlineData("http://prometheus-operated.monitoring:8080", "prometheus-operated.monitoring:8080")]
    // The default port is the scheme's (80), not "any".
    [InlineData("http://prometheus-operated.monitoring", "prometheus-operated.monitoring:80")]
    // A wildcard covers names under the domain, not the domain itself nor a name that merely ends alike.
    [InlineData("http://monitoring.svc", "monitoring.svc:80")]
    [InlineData("http://evilmonitoring.svc", "evilmonitoring.svc:80")]
    public void TryParse_PrometheusOffTheList_RefusedNamingKeyServerAndSetting(string address, string shown)
    {
        var error = Assert.Single(Refused(Llm, Prometheus(address)));

        Assert.StartsWith($"prometheusAddress: server {shown} is not in the Scaler's allowlist (Signals:prometheus:AllowedHosts)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_NoAllowlistConfigured_AnyServer()
    {
        var open = TestTriggers.Parser(new Dictionary<string, string?>());

        Assert.True(open.TryParse(Llm, Prometheus("http://anywhere.example:1234"), KedaMetadataKeys.Ignored, out _, out var errors), string.Join("; ", errors));
        Assert.True(open.TryParse(Llm, Queue(("rabbitmqHost", "amqp://anywhere.example")), KedaMetadataKeys.Ignored, out _, out errors), string.Join("; ", errors));
    }

    [Theory]
    [InlineData("amqp://user:pw@rabbitmq.queues:5672/")]
    [InlineData("amqp://rabbitmq.queues")]
    [InlineData("http://[fd00::10]:15672/")]
    [InlineData("amqp://[fd00:0:0::10]:5672/")]
    public void TryParse_RabbitMqOnTheList_Admitted(string host) => Admitted(Other, Queue(("rabbitmqHost", host)));

    [Fact]
    public void TryParse_RabbitMqOffTheList_RefusedWithoutRepeatingCredentials()
    {
        var error = Assert.Single(Refused(Other, Queue(("rabbitmqHost", "amqp://user:hunter2@attacker.example:5672/"))));

        Assert.Equal("rabbitmqHost: broker amqp://attacker.example:5672 is not in the Scaler's allowlist (Signals:RabbitMq:AllowedHosts); ask its operator to add it, or use rabbitmqBrokerRef", error);

        // The same from the container's environment names that key.
        Assert.StartsWith("rabbitmqHostFromEnv: broker amqp://attacker.example:5672 is not", Assert.Single(Refused(Other, Queue(("rabbitmqHostFromEnv", "amqp://attacker.example")))), StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_CredentialsOnlyBrokerWithAHostOffTheList_Refused()
    {
        // The configured password must not travel to a host the metadata chose.
        var errors = Refused(Other, Queue(("rabbitmqHost", "amqp://attacker.example"), ("rabbitmqBrokerRef", "creds")));

        Assert.Contains(errors, e => e.StartsWith("rabbitmqHost: broker amqp://attacker.example:5672 is not in the Scaler's allowlist", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("s3cret", StringComparison.Ordinal));
        Admitted(Other, Queue(("rabbitmqHost", "amqp://rabbitmq.queues"), ("rabbitmqBrokerRef", "creds")));
    }

    [Fact]
    public void TryParse_ConfiguredBroker_OnlyFromItsNamespacesAndItsOwnHostAlwaysAllowed()
    {
        // orders.rabbit.internal is not on the host list: the operator configured it, so it is theirs.
        Admitted(Llm, Queue(("rabbitmqBrokerRef", "orders")));

        var error = Assert.Single(Refused(Other, Queue(("rabbitmqBrokerRef", "orders"))));
        Assert.Equal("rabbitmqBrokerRef: broker 'orders' may not be used from namespace team-b (Signals:RabbitMq:Brokers:orders:Namespaces)", error);
    }

    [Fact]
    public void Options_BadEntries_RefusedAtStartNamingEachSetting()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Signals:prometheus:AllowedHosts:0"] = "http://prometheus:9090",
            ["Signals:prometheus:AllowedHosts:1"] = "prometheus:99999",
            ["Signals:RabbitMq:AllowedHosts:0"] = "fd00::10:5672",
            ["Signals:RabbitMq:Brokers:orders:Namespaces:0"] = " ",
        }).Build());
        services.AddSignalSources();
        using var provider = services.BuildServiceProvider();

        var prometheus = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PrometheusOptions>>().Value);
        Assert.Equal(
            [
                "Signals:prometheus:AllowedHosts:0: expected host, host:port, *.domain or *.domain:port (IPv6 in brackets), got 'http://prometheus:9090'",
                "Signals:prometheus:AllowedHosts:1: expected host, host:port, *.domain or *.domain:port (IPv6 in brackets), got 'prometheus:99999'",
            ],
            prometheus.Failures);
        var rabbit = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RabbitMqCredentialsOptions>>().Value);
        Assert.Equal(
            [
                "Signals:RabbitMq:AllowedHosts:0: expected host, host:port, *.domain or *.domain:port (IPv6 in brackets), got 'fd00::10:5672'",
                "Signals:RabbitMq:Brokers:orders:Namespaces: expected namespace names, got an empty one",
            ],
            rabbit.Failures);
    }

    [Theory]
    [InlineData("10.0.0.5", "10.0.0.5", 9090, true)]
    [InlineData("10.0.0.5:9090", "10.0.0.5", 9091, false)]
    [InlineData("[FD00::1]:9090", "[fd00:0::1]", 9090, true)]
    [InlineData("*.svc.cluster.local", "prometheus.monitoring.svc.cluster.local", 9090, true)]
    [InlineData("*.svc.cluster.local", "svc.cluster.local", 9090, false)]
    [InlineData("prometheus.", "Prometheus", 80, true)]
    public void Allows_EntryForms(string entry, string host, int port, bool allowed)
    {
        Assert.True(HostAllowlist.TryCreate([entry], "Setting", out var allowlist, out var errors), string.Join("; ", errors));
        Assert.Equal(allowed, allowlist.Allows(host, port));
    }
}
