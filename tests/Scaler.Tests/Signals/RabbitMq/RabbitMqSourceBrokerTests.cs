using Microsoft.Extensions.Logging.Testing;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using RabbitMQ.Client.Events;
using RabbitMQ.Client;
using Scaler.Decisions;
using Scaler.Signals.RabbitMq;
using Scaler.Signals;
using Scaler.Testing;
using Xunit;

namespace Scaler.Tests.Signals.RabbitMq;

/// <summary>The RabbitMQ source against a real broker (one per collection, <see cref="RabbitMqBrokerFixture"/>).</summary>
[Collection(RabbitMqBrokerGroup.Name)]
public class RabbitMqSourceBrokerTests(RabbitMqBrokerFixture broker)
{
    // The management API publishes statistics every 500 ms (the fixture's collect_statistics_interval).
    private static readonly TimeSpan StatsLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ReadAsync_AmqpAfterPublishingN_ExactReadyCount()
    {
        var queue = await broker.DeclareQueueAsync();
        await broker.PublishAsync(queue, 7);
        await using var host = new RabbitMqTestHost();

        var reading = await host.Source.ReadAsync(host.Query(("host", broker.AmqpUri()), ("queueName", queue)), default);

        Assert.Equal(SignalStatus.Fresh, reading.Status);
        Assert.Equal(7, reading.Value);
        Assert.NotNull(reading.ObservedAt);
    }

    [Fact]
    public async Task ReadAsync_ManagementAfterPublishingN_ExactCount()
    {
        var queue = await broker.DeclareQueueAsync();
        await broker.PublishAsync(queue, 5);
        await using var host = new RabbitMqTestHost();
        var query = host.Query(("host", broker.ManagementUri()), ("queueName", queue));

        var reading = await PollAsync(() => host.Source.ReadAsync(query, default), r => r.Value == 5);

        Assert.Equal(SignalStatus.Fresh, reading.Status);
        Assert.Equal(5, reading.Value);
        Assert.Equal(0, host.Pool.ConnectionsOpened);
    }

    [Fact]
    public async Task ReadAsync_UnackedDeliveries_CountedByManagementNotByAmqp()
    {
        var queue = await broker.DeclareQueueAsync();
        await broker.PublishAsync(queue, 10);
        // A consumer that takes 3 messages (prefetch) and never acknowledges them.
        await using var consumerChannel = await (await broker.ClientAsync()).CreateChannelAsync();
        await consumerChannel.BasicQosAsync(0, 3, global: false);
        var delivered = 0;
        var threeDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += (_, _) =>
        {
            if (Interlocked.Increment(ref delivered) == 3)
            {
                threeDelivered.TrySetResult();
            }

            return Task.CompletedTask;
        };
        await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer);
        await threeDelivered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await using var host = new RabbitMqTestHost();

        var total = await PollAsync(
            () => host.Source.ReadAsync(host.Query(("host", broker.ManagementUri()), ("queueName", queue)), default), r => r.Value == 10);
        var readyOnly = await PollAsync(
            () => host.Source.ReadAsync(host.Query(("host", broker.ManagementUri()), ("queueName", queue), ("includeUnacked", "false")), default), r => r.Value == 7);
        var amqp = await host.Source.ReadAsync(host.Query(("host", broker.AmqpUri()), ("queueName", queue)), default);
        var amqpConsumers = await host.Source.ReadAsync(host.Query(("host", broker.AmqpUri()), ("queueName", queue), ("mode", "Consumers")), default);
        var managementConsumers = await PollAsync(
            () => host.Source.ReadAsync(host.Query(("host", broker.ManagementUri()), ("queueName", queue), ("mode", "Consumers")), default), r => r.Value == 1);

        Assert.Equal(10, total.Value);
        Assert.Equal(7, readyOnly.Value);
        // AMQP's passive declare counts ready messages only: the 3 in flight are invisible (KEDA #638/#5050).
        Assert.Equal(7, amqp.Value);
        Assert.Equal(1, amqpConsumers.Value);
        Assert.Equal(1, managementConsumers.Value);
        Assert.All(new[] { total, readyOnly, amqp, amqpConsumers, managementConsumers }, r => Assert.Equal(SignalStatus.Fresh, r.Status));
    }

    [Theory]
    // AMQP: the broker closes the channel with 404 NOT_FOUND.
    [InlineData(false)]
    // Management API: HTTP 404.
    [InlineData(true)]
    public async Task ReadAsync_MissingQueue_UnavailableNotZero(bool management)
    {
        var existing = await broker.DeclareQueueAsync();
        await using var host = new RabbitMqTestHost();
        var uri = management ? broker.ManagementUri() : broker.AmqpUri();

        var missing = await host.Source.ReadAsync(host.Query(("host", uri), ("queueName", "no-such-queue")), default);
        var after = await PollAsync(() => host.Source.ReadAsync(host.Query(("host", uri), ("queueName", existing)), default), r => r.Value == 0);

        Assert.Equal(SignalStatus.Unavailable, missing.Status);
        Assert.True(double.IsNaN(missing.Value));
        Assert.StartsWith("queue 'no-such-queue' not found in vhost '/'", missing.Reason, StringComparison.Ordinal);
        // The channel the broker closed does not take the pooled connection with it.
        Assert.Equal(SignalStatus.Fresh, after.Status);
        Assert.Equal(management ? 0 : 1, host.Pool.ConnectionsOpened);
    }

    [Theory]
    // AMQP: the broker refuses the connection to the vhost (530 NOT_ALLOWED).
    [InlineData(false, "access to vhost '{0}' refused")]
    // Management API: HTTP 404, indistinguishable from a missing queue.
    [InlineData(true, "queue 'jobs' not found in vhost '{0}' (or the vhost does not exist)")]
    public async Task ReadAsync_MissingVhostThenCreated_UnavailableThenReads(bool management, string reason)
    {
        var vhost = "late-" + Guid.NewGuid().ToString("N")[..8];
        await using var host = new RabbitMqTestHost();
        var query = host.Query(("host", management ? broker.ManagementUri(vhost) : broker.AmqpUri(vhost)), ("queueName", "jobs"));

        var missing = await host.Source.ReadAsync(query, default);
        var stillMissing = await host.Source.ReadAsync(query, default);
        await broker.CreateVhostAsync(vhost);
        await using (var channel = await (await broker.ClientAsync(vhost)).CreateChannelAsync())
        {
            await channel.QueueDeclareAsync("jobs", durable: false, exclusive: false, autoDelete: false);
        }

        var created = await PollAsync(() => host.Source.ReadAsync(query, default), r => r.Value == 0);

        Assert.Equal(SignalStatus.Unavailable, missing.Status);
        Assert.StartsWith(string.Format(CultureInfo.InvariantCulture, reason, vhost), missing.Reason, StringComparison.Ordinal);
        // A refused connection is not kept: the next read asks the broker again, and reads once the vhost exists.
        Assert.Equal(missing.Reason, stillMissing.Reason);
        Assert.Equal((SignalStatus.Fresh, 0.0), (created.Status, created.Value));
    }

    [Fact]
    public async Task ReadAsync_VhostWithSlash_ReadsThatVhostOnBothProtocols()
    {
        const string Vhost = "team/orders";
        await broker.CreateVhostAsync(Vhost);
        var queue = await broker.DeclareQueueAsync(Vhost);
        await broker.PublishAsync(queue, 3, Vhost);
        await using var host = new RabbitMqTestHost();

        var amqp = await host.Source.ReadAsync(host.Query(("host", broker.AmqpUri(Vhost)), ("queueName", queue)), default);
        var amqpOverride = await host.Source.ReadAsync(host.Query(("host", broker.AmqpUri()), ("vhost", Vhost), ("queueName", queue)), default);
        var management = await PollAsync(() => host.Source.ReadAsync(host.Query(("host", broker.ManagementUri(Vhost)), ("queueName", queue)), default), r => r.Value == 3);
        var wrongVhost = await host.Source.ReadAsync(host.Query(("host", broker.AmqpUri()), ("queueName", queue)), default);

        Assert.Equal((SignalStatus.Fresh, 3.0), (amqp.Status, amqp.Value));
        Assert.Equal((SignalStatus.Fresh, 3.0), (amqpOverride.Status, amqpOverride.Value));
        Assert.Equal((SignalStatus.Fresh, 3.0), (management.Status, management.Value));
        Assert.Equal($"queue '{queue}' not found in vhost '/'", wrongVhost.Reason);
    }

    [Theory]
    // AMQP: the broker refuses the login (ACCESS_REFUSED).
    [InlineData(false)]
    // Management API: HTTP 401.
    [InlineData(true)]
    public async Task ReadAsync_WrongPassword_UnavailableAndPasswordNowhere(bool management)
    {
        const string User = "scaler-reader";
        const string Right = "Right-Pa55word-4711";
        const string Wrong = "Wr0ng-Pa55word-0815";
        await broker.CreateUserAsync(User, Right, "monitoring", "/");
        var queue = await broker.DeclareQueueAsync();
        await using var host = new RabbitMqTestHost(new Dictionary<string, string?>
        {
            // The right password comes from the scaler's own configuration (a mounted Secret in production).
            ["Signals:RabbitMq:Brokers:test:Username"] = User,
            ["Signals:RabbitMq:Brokers:test:Password"] = Right,
        });
        var uri = management ? broker.ManagementUri(user: User, password: Wrong) : broker.AmqpUri(user: User, password: Wrong);
        var plain = management ? $"http://127.0.0.1:{broker.ManagementPort}/" : $"amqp://127.0.0.1:{broker.AmqpPort}/";

        var refused = await host.Source.ReadAsync(host.Query(("host", uri), ("queueName", queue)), default);
        // (The management API reports a new queue's counts after its first statistics emission.)
        var configured = await PollAsync(() => host.Source.ReadAsync(host.Query(("host", plain), ("brokerRef", "test"), ("queueName", queue)), default), _ => true);

        Assert.Equal(SignalStatus.Unavailable, refused.Status);
        Assert.Contains("authentication failed", refused.Reason, StringComparison.Ordinal);
        Assert.Equal(SignalStatus.Fresh, configured.Status);
        var secrets = new[] { Right, Wrong, Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Wrong}")), Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Right}")) };
        Assert.NotEmpty(host.Logs.Lines());
        foreach (var text in host.Logs.Lines().Append(refused.Reason!))
        {
            Assert.All(secrets, secret => Assert.DoesNotContain(secret, text, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ReadAsync_ManyConcurrentReadsOfManyQueues_OneConnectionToTheBroker()
    {
        const string Vhost = "pool-test";
        await broker.CreateVhostAsync(Vhost);
        var queues = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var queue = await broker.DeclareQueueAsync(Vhost);
            await broker.PublishAsync(queue, i, Vhost);
            queues.Add(queue);
        }

        await using var host = new RabbitMqTestHost();
        var queries = queues.Select(q => host.Query(("host", broker.AmqpUri(Vhost)), ("queueName", q))).ToList();

        for (var round = 0; round < 4; round++)
        {
            var readings = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => host.Source.ReadAsync(queries[i % 5], default).AsTask()));
            Assert.All(readings.Select((r, i) => (r, i)), x => Assert.Equal((SignalStatus.Fresh, (double)(x.i % 5)), (x.r.Status, x.r.Value)));
        }

        // The management API lists a connection a few seconds after it opens.
        var seen = new List<int>();
        var listed = await Eventually.ReturnsAsync(
            async () =>
            {
                seen.Add((await broker.ConnectionsNamedAsync(RabbitMqConnectionPool.ClientName, Vhost)).Count);
                return seen[^1];
            },
            count => count > 0,
            timeout: StatsLimit,
            interval: TimeSpan.FromMilliseconds(100));

        Assert.Equal(1, host.Pool.ConnectionsOpened);
        Assert.Equal(1, host.Pool.BrokerCount);
        Assert.Equal(1, listed);
        Assert.All(seen, count => Assert.InRange(count, 0, 1));
    }

    [Fact]
    public async Task ReadAsync_MessageRate_UnavailableBeforeTrafficThenPositive()
    {
        var queue = await broker.DeclareQueueAsync();
        await using var host = new RabbitMqTestHost();
        var rate = host.Query(("host", broker.ManagementUri()), ("queueName", queue), ("mode", "MessageRate"));
        var deliver = host.Query(("host", broker.ManagementUri()), ("queueName", queue), ("mode", "DeliverGetRate"));
        // Statistics exist for the new queue (counts) before any message was published.
        await PollAsync(() => host.Source.ReadAsync(host.Query(("host", broker.ManagementUri()), ("queueName", queue)), default), r => r.Value == 0);

        var before = await host.Source.ReadAsync(rate, default);
        using var stop = new CancellationTokenSource();
        var publisher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await broker.PublishAsync(queue, 5);
                await Task.Delay(50);
            }
        });
        Reading during;
        Reading deliverDuring;
        try
        {
            during = await PollAsync(() => host.Source.ReadAsync(rate, default), r => r.Value > 0);
            deliverDuring = await host.Source.ReadAsync(deliver, default);
        }
        finally
        {
            await stop.CancelAsync();
            await publisher;
        }

        Assert.Equal(SignalStatus.Unavailable, before.Status);
        Assert.Contains("no publish rate", before.Reason, StringComparison.Ordinal);
        Assert.Equal(SignalStatus.Fresh, during.Status);
        Assert.True(during.Value > 0, $"publish rate {during.Value}");
        // Nothing was delivered: no deliver statistics, which is unknown rather than 0.
        Assert.Equal(SignalStatus.Unavailable, deliverDuring.Status);
    }

    [Fact]
    public async Task ReadAsync_ConnectionIdlePastTimeout_ClosedOnNextSweep()
    {
        const string Vhost = "idle-test";
        await broker.CreateVhostAsync(Vhost);
        var first = await broker.DeclareQueueAsync();
        var second = await broker.DeclareQueueAsync(Vhost);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        await using var host = new RabbitMqTestHost(new Dictionary<string, string?> { ["Signals:RabbitMq:IdleConnectionTimeout"] = "00:10:00" }, time);

        var a = await host.Source.ReadAsync(host.Query(("host", broker.AmqpUri()), ("queueName", first)), default);
        time.Advance(TimeSpan.FromMinutes(11));
        var b = await host.Source.ReadAsync(host.Query(("host", broker.AmqpUri(Vhost)), ("queueName", second)), default);

        Assert.Equal(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero), a.ObservedAt);
        Assert.Equal(new DateTimeOffset(2026, 1, 5, 9, 11, 0, TimeSpan.Zero), b.ObservedAt);
        Assert.Equal(2, host.Pool.ConnectionsOpened);
        Assert.Equal(1, host.Pool.BrokerCount);
    }

    /// <summary>Reads until the reading is fresh and the condition holds, within the bounded wait for the management API's statistics (else the test fails).</summary>
    internal static Task<Reading> PollAsync(Func<ValueTask<Reading>> read, Func<Reading, bool> done, TimeSpan? limit = null) =>
        Eventually.ReturnsAsync(async () => await read(), reading => reading.Status == SignalStatus.Fresh && done(reading), timeout: limit ?? StatsLimit, interval: TimeSpan.FromMilliseconds(100));
}
