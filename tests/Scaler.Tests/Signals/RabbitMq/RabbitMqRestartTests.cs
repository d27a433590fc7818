using Scaler.Decisions;
using Scaler.Signals.RabbitMq;
using Scaler.Testing;
using Xunit;

namespace Scaler.Tests.Signals.RabbitMq;

/// <summary>The broker stopped and started again under a source: the one restart of the collection's broker.</summary>
[Collection(RabbitMqBrokerGroup.Name)]
public class RabbitMqRestartTests(RabbitMqBrokerFixture broker)
{
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task ReadAsync_BrokerStoppedThenStarted_ThrowsThenSameSourceReadsAgain()
    {
        var queue = await broker.DeclareQueueAsync(durable: true);
        // Recovers its connection (RabbitMQ.Client automatic recovery every 500 ms).
        await using var recovering = new RabbitMqTestHost();
        // Never recovers by itself within the test (1 h), but replaces a down connection at once.
        await using var replacing = new RabbitMqTestHost(new Dictionary<string, string?>
        {
            ["Signals:RabbitMq:NetworkRecoveryInterval"] = "01:00:00",
            ["Signals:RabbitMq:ReplaceDownConnectionAfter"] = "00:00:00",
        });
        var amqpA = recovering.Query(("host", broker.AmqpUri()), ("queueName", queue));
        var amqpB = replacing.Query(("host", broker.AmqpUri()), ("queueName", queue));
        var http = recovering.Query(("host", broker.ManagementUri()), ("queueName", queue));
        Assert.Equal(SignalStatus.Fresh, (await recovering.Source.ReadAsync(amqpA, default)).Status);
        Assert.Equal(SignalStatus.Fresh, (await replacing.Source.ReadAsync(amqpB, default)).Status);

        await broker.StopAsync();
        var downA = await Assert.ThrowsAsync<RabbitMqTransportException>(() => recovering.Source.ReadAsync(amqpA, default).AsTask());
        var downB = await Assert.ThrowsAsync<RabbitMqTransportException>(() => replacing.Source.ReadAsync(amqpB, default).AsTask());
        var downHttp = await Assert.ThrowsAsync<RabbitMqTransportException>(() => recovering.Source.ReadAsync(http, default).AsTask());

        await broker.StartAsync();
        await broker.PublishAsync(queue, 2);
        var upA = await PollThroughFailuresAsync(() => recovering.Source.ReadAsync(amqpA, default));
        var upB = await PollThroughFailuresAsync(() => replacing.Source.ReadAsync(amqpB, default));
        var upHttp = await RabbitMqSourceBrokerTests.PollAsync(() => recovering.Source.ReadAsync(http, default), r => r.Value == 2, RecoveryLimit);

        Assert.Contains("127.0.0.1", downA.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("guest", downA.Message + downB.Message + downHttp.Message, StringComparison.Ordinal);
        Assert.Equal((SignalStatus.Fresh, 2.0), (upA.Status, upA.Value));
        Assert.Equal((SignalStatus.Fresh, 2.0), (upB.Status, upB.Value));
        Assert.Equal((SignalStatus.Fresh, 2.0), (upHttp.Status, upHttp.Value));
        // The first kept its connection through recovery; the second opened a new one.
        Assert.Equal(1, recovering.Pool.ConnectionsOpened);
        Assert.Equal(2, replacing.Pool.ConnectionsOpened);
    }

    private static async Task<Scaler.Decisions.Reading> PollThroughFailuresAsync(Func<ValueTask<Scaler.Decisions.Reading>> read)
    {
        using var limit = new CancellationTokenSource(RecoveryLimit);
        while (true)
        {
            try
            {
                return await read();
            }
            catch (RabbitMqTransportException) when (!limit.IsCancellationRequested)
            {
                await Task.Delay(200);
            }
        }
    }

    [Fact]
    public async Task Cache_BrokerRestarted_ProbeGetsThroughAndReadingsRecoverWithoutWaitingForTheBreak()
    {
        var queue = await broker.DeclareQueueAsync(durable: true);
        await using var host = new RabbitMqTestHost(new Dictionary<string, string?>
        {
            // The library's own recovery would not bring the connection back within the test: the probe must.
            ["Signals:RabbitMq:NetworkRecoveryInterval"] = "01:00:00",
            ["Signals:rabbitmq:RefreshInterval"] = "1s",
            ["Signals:rabbitmq:CircuitBreakerMinimumThroughput"] = "2",
            ["Signals:rabbitmq:CircuitBreakerBreakDuration"] = "1h",
        });
        var query = host.Query(("host", broker.AmqpUri()), ("queueName", queue));
        await Eventually.ReturnsAsync(() => host.Cache.GetAsync(query, default).AsTask(), r => r.Status == SignalStatus.Fresh);

        await broker.StopAsync();
        var open = await Eventually.ReturnsAsync(() => host.Cache.GetAsync(query, default).AsTask(), r => r.Failure == ReadFailure.CircuitOpen, RecoveryLimit);
        await broker.StartAsync();
        await broker.PublishAsync(queue, 4);
        var back = await Eventually.ReturnsAsync(() => host.Cache.GetAsync(query, default).AsTask(), r => r.Status == SignalStatus.Fresh && r.Value == 4, RecoveryLimit);

        Assert.Contains("unreachable: circuit open after", open.Reason, StringComparison.Ordinal);
        Assert.Equal((SignalStatus.Fresh, 4.0), (back.Status, back.Value));

        // The break is an hour and the library's recovery an hour: the probe (a new connection) brought it back.
        Assert.Contains(host.Logs.Lines(), l => l.Contains("[209]", StringComparison.Ordinal));
        Assert.Equal(2, host.Pool.ConnectionsOpened);
    }
}
