using Scaler.Signals.RabbitMq;
using Xunit;

namespace Scaler.Tests.Signals.RabbitMq;

public class RabbitMqQueryTests
{
    private static readonly RabbitMqCredentialsOptions NoBrokers = new();

    [Theory]
    // AMQP, no path: default vhost, default port.
    [InlineData("amqp://rabbit", "amqp://rabbit:5672", "/", "")]
    // AMQP with the default vhost written as %2F.
    [InlineData("amqp://rabbit:5673/%2F", "amqp://rabbit:5673", "/", "")]
    // AMQP lower-case %2f.
    [InlineData("amqp://rabbit/%2f", "amqp://rabbit:5672", "/", "")]
    // AMQP named vhost.
    [InlineData("amqp://rabbit/orders", "amqp://rabbit:5672", "orders", "")]
    // AMQP vhost with an encoded slash inside it.
    [InlineData("amqp://rabbit/team%2Forders", "amqp://rabbit:5672", "team/orders", "")]
    // AMQP trailing slash: empty vhost means the default one.
    [InlineData("amqp://rabbit/", "amqp://rabbit:5672", "/", "")]
    // amqps default port.
    [InlineData("amqps://rabbit/orders", "amqps://rabbit:5671", "orders", "")]
    // Management API: last path segment is the vhost.
    [InlineData("http://rabbit:15672/orders", "http://rabbit:15672", "orders", "")]
    // Management API without a path: default vhost.
    [InlineData("http://rabbit:15672", "http://rabbit:15672", "/", "")]
    // Management API behind a proxy sub-path; trailing slash is the default vhost.
    [InlineData("https://gw.example/rabbit/", "https://gw.example:443/rabbit", "/", "/rabbit")]
    // Management API sub-path and %2F vhost.
    [InlineData("http://gw:8080/a/b/%2F", "http://gw:8080/a/b", "/", "/a/b")]
    // IPv6 literal.
    [InlineData("amqp://[::1]:5672/", "amqp://[::1]:5672", "/", "")]
    public void TryParse_HostForms_BrokerAndVhost(string host, string display, string vhost, string pathBase)
    {
        var query = RabbitMqQuery.Parse(Meta(("host", host), ("queueName", "jobs")), NoBrokers);

        Assert.Equal(display, query.Broker.Display);
        Assert.Equal(vhost, query.Broker.VirtualHost);
        Assert.Equal(pathBase, query.Broker.PathBase);
    }

    [Theory]
    // The vhost key overrides the URI path.
    [InlineData("amqp://rabbit/orders", "billing", "billing")]
    // "/" names the default vhost.
    [InlineData("amqp://rabbit/orders", "/", "/")]
    // So does its encoded form.
    [InlineData("http://rabbit:15672/orders", "%2F", "/")]
    // Encoded characters are decoded like the URI path.
    [InlineData("http://rabbit:15672/", "team%2Forders", "team/orders")]
    public void TryParse_VhostKey_OverridesPath(string host, string vhostKey, string expected)
    {
        var query = RabbitMqQuery.Parse(Meta(("host", host), ("queueName", "jobs"), ("vhost", vhostKey)), NoBrokers);

        Assert.Equal(expected, query.Broker.VirtualHost);
    }

    [Fact]
    public void TryParse_KedaVhostName_IsAnAlias()
    {
        var query = RabbitMqQuery.Parse(Meta(("host", "amqp://rabbit/"), ("queueName", "jobs"), ("vhostName", "orders")), NoBrokers);

        Assert.Equal("orders", query.Broker.VirtualHost);
    }

    [Fact]
    public void TryParse_Userinfo_CredentialsKeptOutOfKeyAndText()
    {
        var query = RabbitMqQuery.Parse(Meta(("host", "amqp://reader:s3cr%40t-pw@rabbit:5672/orders"), ("queueName", "jobs")), NoBrokers);

        Assert.Equal(new RabbitMqCredentials("reader", "s3cr@t-pw"), query.Broker.Credentials);
        foreach (var text in new[] { query.Key, query.ToString(), query.Broker.ToString(), query.Broker.Display, query.Broker.Credentials.ToString() })
        {
            Assert.DoesNotContain("s3cr", text, StringComparison.Ordinal);
            Assert.DoesNotContain("%40", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Key_DifferentCredentials_DifferentKeysSameCredentials_SameKey()
    {
        var a = RabbitMqQuery.Parse(Meta(("host", "amqp://alice:one@rabbit/"), ("queueName", "jobs")), NoBrokers);
        var a2 = RabbitMqQuery.Parse(Meta(("host", "amqp://alice:one@rabbit/"), ("queueName", "jobs")), NoBrokers);
        var b = RabbitMqQuery.Parse(Meta(("host", "amqp://alice:two@rabbit/"), ("queueName", "jobs")), NoBrokers);

        Assert.Equal(a.Key, a2.Key);
        Assert.NotEqual(a.Key, b.Key);
        Assert.StartsWith("rabbitmq|amqp://rabbit:5672|/|jobs|QueueLength|ready|", a.Key, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_NoUserinfo_Guest()
    {
        var query = RabbitMqQuery.Parse(Meta(("host", "http://rabbit:15672/"), ("queueName", "jobs")), NoBrokers);

        Assert.Equal(RabbitMqCredentials.Guest, query.Broker.Credentials);
    }

    [Theory]
    // Management API counts unacknowledged messages by default.
    [InlineData("http://rabbit:15672/", null, null, true)]
    // Opt out with includeUnacked.
    [InlineData("http://rabbit:15672/", "false", null, false)]
    // Or with KEDA's excludeUnacknowledged.
    [InlineData("http://rabbit:15672/", null, "true", false)]
    // AMQP counts ready messages only.
    [InlineData("amqp://rabbit/", null, null, false)]
    // Saying so explicitly is fine.
    [InlineData("amqp://rabbit/", "false", null, false)]
    public void TryParse_IncludeUnacked_DefaultsByProtocol(string host, string? include, string? exclude, bool expected)
    {
        var pairs = new List<(string, string)> { ("host", host), ("queueName", "jobs") };
        if (include is not null)
        {
            pairs.Add(("includeUnacked", include));
        }

        if (exclude is not null)
        {
            pairs.Add(("excludeUnacknowledged", exclude));
        }

        Assert.Equal(expected, RabbitMqQuery.Parse(Meta([.. pairs]), NoBrokers).IncludeUnacked);
    }

    [Theory]
    // Names are case-insensitive.
    [InlineData("queuelength", nameof(RabbitMqMode.QueueLength))]
    // Publish rate.
    [InlineData("MessageRate", nameof(RabbitMqMode.MessageRate))]
    // Deliver rate.
    [InlineData("DeliverGetRate", nameof(RabbitMqMode.DeliverGetRate))]
    // Consumer count.
    [InlineData("Consumers", nameof(RabbitMqMode.Consumers))]
    public void TryParse_Mode_Named(string text, string expected)
    {
        var query = RabbitMqQuery.Parse(Meta(("host", "http://rabbit:15672/"), ("queueName", "jobs"), ("mode", text)), NoBrokers);

        Assert.Equal(Enum.Parse<RabbitMqMode>(expected), query.Mode);
    }

    [Theory]
    // No host at all.
    [InlineData("", "jobs", null, null, "host: required")]
    // Not a URI.
    [InlineData("rabbit:5672", "jobs", null, null, "host: expected an amqp://, amqps://, http:// or https:// URI")]
    // Wrong scheme; the message must not echo the value.
    [InlineData("tcp://user:hunter2@rabbit", "jobs", null, null, "host: expected an amqp://, amqps://, http:// or https:// URI")]
    // AMQP path with an unencoded slash.
    [InlineData("amqp://rabbit/a/b", "jobs", null, null, "host: the AMQP URI path is the vhost; write a '/' in it as %2F")]
    // Query strings are not part of the contract.
    [InlineData("http://rabbit:15672/?x=1", "jobs", null, null, "host: the URI must not have a query or fragment")]
    // Queue name missing.
    [InlineData("amqp://rabbit/", "", null, null, "queueName: required")]
    // Unknown mode.
    [InlineData("amqp://rabbit/", "jobs", "Fastest", null, "mode: expected QueueLength, MessageRate, DeliverGetRate or Consumers")]
    // Numeric mode is not a name.
    [InlineData("amqp://rabbit/", "jobs", "1", null, "mode: expected QueueLength")]
    // Rates need the management API.
    [InlineData("amqp://rabbit/", "jobs", "MessageRate", null, "mode: MessageRate needs the management API")]
    // AMQP cannot see unacknowledged messages: refuse rather than under-count.
    [InlineData("amqp://rabbit/", "jobs", null, "true", "includeUnacked: only the management API")]
    // Not a boolean.
    [InlineData("http://rabbit:15672/", "jobs", null, "yes", "includeUnacked: expected true or false")]
    public void TryParse_BadMetadata_ErrorNamesKeyAndForm(string host, string queue, string? mode, string? includeUnacked, string expected)
    {
        var pairs = new List<(string, string)> { ("host", host), ("queueName", queue) };
        if (mode is not null)
        {
            pairs.Add(("mode", mode));
        }

        if (includeUnacked is not null)
        {
            pairs.Add(("includeUnacked", includeUnacked));
        }

        var ok = RabbitMqQuery.TryParse(Meta([.. pairs]), NoBrokers, out var query, out var errors);

        Assert.False(ok);
        Assert.Null(query);
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
        Assert.DoesNotContain(errors, e => e.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public void TryParse_SeveralProblems_AllCollected()
    {
        var ok = RabbitMqQuery.TryParse(Meta(("host", "ftp://rabbit"), ("mode", "x"), ("includeUnacked", "maybe")), NoBrokers, out _, out var errors);

        Assert.False(ok);
        Assert.Equal(4, errors.Count);
        Assert.Throws<FormatException>(() => RabbitMqQuery.Parse(Meta(("host", "ftp://rabbit")), NoBrokers));
    }

    [Fact]
    public void TryParse_HostAndHostFromEnv_Rejected()
    {
        var ok = RabbitMqQuery.TryParse(Meta(("host", "amqp://a/"), ("hostFromEnv", "amqp://b/"), ("queueName", "q")), NoBrokers, out _, out var errors);

        Assert.False(ok);
        Assert.Contains("host, hostFromEnv: give one of them, not both", errors);
    }

    [Fact]
    public void TryParse_HostFromEnv_HoldsTheResolvedUri()
    {
        // KEDA resolved the scale target's env var and kept the key name.
        var query = RabbitMqQuery.Parse(Meta(("hostFromEnv", "amqp://u:p@rabbit.queues/orders"), ("queueName", "q")), NoBrokers);

        Assert.Equal("amqp://rabbit.queues:5672", query.Broker.Display);
        Assert.Equal(new RabbitMqCredentials("u", "p"), query.Broker.Credentials);
    }

    [Fact]
    public void TryParse_BrokerRefWithHost_UsesConfiguredBrokerAndCredentials()
    {
        var configured = Brokers(("orders", new RabbitMqBrokerOptions { Host = "amqp://rabbit.queues/orders", Username = "scaler", Password = "from-secret" }));

        var query = RabbitMqQuery.Parse(Meta(("brokerRef", "ORDERS"), ("queueName", "q")), configured);

        Assert.Equal("amqp://rabbit.queues:5672", query.Broker.Display);
        Assert.Equal("orders", query.Broker.VirtualHost);
        Assert.Equal(new RabbitMqCredentials("scaler", "from-secret"), query.Broker.Credentials);
    }

    [Fact]
    public void TryParse_BrokerRefCredentialsOnly_AppliedToTriggerHost()
    {
        var configured = Brokers(("orders", new RabbitMqBrokerOptions { Username = "scaler", Password = "from-secret" }));

        var query = RabbitMqQuery.Parse(Meta(("host", "http://rabbit:15672/orders"), ("brokerRef", "orders"), ("queueName", "q")), configured);

        Assert.Equal(new RabbitMqCredentials("scaler", "from-secret"), query.Broker.Credentials);
        Assert.Equal(RabbitMqProtocol.Management, query.Broker.Protocol);
    }

    [Theory]
    // Unknown alias: the error lists what is configured.
    [InlineData("billing", "amqp://x/", "brokerRef: no broker 'billing' in the scaler's configuration (Signals:RabbitMq:Brokers; configured: orders)")]
    // Host in both places is ambiguous.
    [InlineData("orders", "amqp://x/", "host, brokerRef: broker 'orders' has its own Host in the scaler's configuration; give one of them")]
    public void TryParse_BadBrokerRef_Explained(string brokerRef, string host, string expected)
    {
        var configured = Brokers(("orders", new RabbitMqBrokerOptions { Host = "amqp://rabbit/" }));

        var ok = RabbitMqQuery.TryParse(Meta(("host", host), ("brokerRef", brokerRef), ("queueName", "q")), configured, out _, out var errors);

        Assert.False(ok);
        Assert.Contains(expected, errors);
    }

    [Fact]
    public void TryParse_ConfiguredHostInvalid_ErrorNamesBrokerRef()
    {
        var configured = Brokers(("orders", new RabbitMqBrokerOptions { Host = "redis://x:secret@rabbit" }));

        var ok = RabbitMqQuery.TryParse(Meta(("brokerRef", "orders"), ("queueName", "q")), configured, out _, out var errors);

        Assert.False(ok);
        var error = Assert.Single(errors);
        Assert.StartsWith("brokerRef 'orders' Host: expected", error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
    }

    [Fact]
    public void QueueUri_DefaultVhostAndSpecialCharacters_PercentEncoded()
    {
        var query = RabbitMqQuery.Parse(Meta(("host", "http://rabbit:15672/a/"), ("queueName", "jobs #1/x")), NoBrokers);

        Assert.Equal("http://rabbit:15672/a/api/queues/%2F/jobs%20%231%2Fx", query.Broker.QueueUri(query.QueueName).AbsoluteUri);
    }

    private static Dictionary<string, string> Meta(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static RabbitMqCredentialsOptions Brokers(params (string Name, RabbitMqBrokerOptions Broker)[] brokers)
    {
        var options = new RabbitMqCredentialsOptions();
        foreach (var (name, broker) in brokers)
        {
            options.Brokers[name] = broker;
        }

        return options;
    }
}
