using Microsoft.Extensions.Options;
using Scaler.Signals.RabbitMq;
using Xunit;

namespace Scaler.Tests.Signals.RabbitMq;

public class RabbitMqOptionsTests
{
    [Fact]
    public async Task AddRabbitMqSignals_Configuration_BoundIncludingBrokers()
    {
        await using var host = new RabbitMqTestHost(new Dictionary<string, string?>
        {
            ["Signals:RabbitMq:MaxIdleChannels"] = "2",
            ["Signals:RabbitMq:Brokers:orders:Host"] = "amqp://rabbit.queues/orders",
            ["Signals:RabbitMq:Brokers:orders:Password"] = "from-secret",
        });

        var query = host.Query(("brokerRef", "Orders"), ("queueName", "jobs"));

        Assert.Equal("amqp://rabbit.queues:5672", query.Broker.Display);
        Assert.Equal("from-secret", query.Broker.Credentials.Password);
        Assert.Equal("guest", query.Broker.Credentials.UserName);
    }

    [Theory]
    // More idle channels than the bound.
    [InlineData("MaxIdleChannels", "100")]
    // A connect timeout too short to ever connect.
    [InlineData("ConnectTimeout", "00:00:00.001")]
    // Recovery faster than the broker could ever answer.
    [InlineData("NetworkRecoveryInterval", "00:00:00")]
    public async Task AddRabbitMqSignals_OutOfRange_ValidationFailsNamingTheOption(string option, string value)
    {
        await using var host = new RabbitMqTestHost(new Dictionary<string, string?> { ["Signals:RabbitMq:" + option] = value });

        var failure = Assert.Throws<OptionsValidationException>(() => host.Pool);

        Assert.Contains(option, failure.Message, StringComparison.Ordinal);
    }
}
