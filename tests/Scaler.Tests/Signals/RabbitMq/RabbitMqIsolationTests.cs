using Microsoft.Extensions.Time.Testing;
using Scaler.Decisions;
using Scaler.Signals;
using Scaler.Testing;
using Xunit;

namespace Scaler.Tests.Signals.RabbitMq;

/// <summary>
/// One tenant's wrong broker never harms another's: circuits are per broker endpoint and vhost, against the real
/// broker of the collection and a dead one (nothing listens on 127.0.0.1:1).
/// </summary>
[Collection(RabbitMqBrokerGroup.Name)]
public class RabbitMqIsolationTests(RabbitMqBrokerFixture broker)
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(5);

    // On virtual time a retry's back-off would wait for the clock: one attempt per refresh.
    private static readonly Dictionary<string, string?> OneAttempt = new() { ["Signals:rabbitmq:MaxRetryAttempts"] = "0" };

    [Fact]
    public async Task Cache_TwoTriggersOnADeadBroker_HealthyBrokerAndANewHostStillRead()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = new RabbitMqTestHost(OneAttempt, time);
        var queue = await broker.DeclareQueueAsync();
        await broker.PublishAsync(queue, 3);
        var dead1 = host.Query(("host", "amqp://guest:guest@127.0.0.1:1/"), ("queueName", "orders"));
        var dead2 = host.Query(("host", "amqp://guest:guest@127.0.0.1:1/"), ("queueName", "invoices"));
        var healthy = host.Query(("host", broker.AmqpUri()), ("queueName", queue));
        await host.Cache.GetAsync(dead1, default);
        await host.Cache.GetAsync(dead2, default);
        Assert.Equal(SignalStatus.Fresh, (await Eventually.ReturnsAsync(() => host.Cache.GetAsync(healthy, default).AsTask(), r => r.Status == SignalStatus.Fresh)).Status);

        // Seventy seconds of refreshes: in the report, the healthy trigger went UNAVAILABLE from 60 s on.
        for (var i = 0; i < 14; i++)
        {
            var refreshed = new[] { dead1, dead2, healthy }.Select(q => NextRefreshAsync(host.Cache, q)).ToArray();
            time.Advance(Refresh);
            await Task.WhenAll(refreshed);
        }

        var healthyAfter = await host.Cache.GetAsync(healthy, default);
        var deadAfter = await host.Cache.GetAsync(dead1, default);

        // A trigger on another host name (the same broker as "localhost"), never asked before: tried, and read.
        var otherHost = host.Query(("host", broker.AmqpUri().Replace("127.0.0.1", "localhost", StringComparison.Ordinal)), ("queueName", queue));
        var newTrigger = await host.Cache.GetAsync(otherHost, default);

        Assert.Equal((SignalStatus.Fresh, 3.0), (healthyAfter.Status, healthyAfter.Value));
        Assert.Equal(ReadFailure.CircuitOpen, deadAfter.Failure);
        Assert.StartsWith("upstream amqp://127.0.0.1:1|/ unreachable: circuit open after", deadAfter.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("guest", deadAfter.Reason, StringComparison.Ordinal);
        Assert.Equal((SignalStatus.Fresh, 3.0), (newTrigger.Status, newTrigger.Value));
    }

    [Fact]
    public async Task Cache_QueueMissingOnAHealthyBroker_OnlyThatTriggerIsUnknown()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = new RabbitMqTestHost(OneAttempt, time);
        var queue = await broker.DeclareQueueAsync();
        var missing = host.Query(("host", broker.AmqpUri()), ("queueName", "no-such-queue-" + Guid.NewGuid().ToString("N")));
        var present = host.Query(("host", broker.AmqpUri()), ("queueName", queue));
        await host.Cache.GetAsync(missing, default);
        await Eventually.ReturnsAsync(() => host.Cache.GetAsync(present, default).AsTask(), r => r.Status == SignalStatus.Fresh);

        for (var i = 0; i < 14; i++)
        {
            var refreshed = new[] { missing, present }.Select(q => NextRefreshAsync(host.Cache, q)).ToArray();
            time.Advance(Refresh);
            await Task.WhenAll(refreshed);
        }

        var missingAfter = await host.Cache.GetAsync(missing, default);
        Assert.Equal(SignalStatus.Unavailable, missingAfter.Status);
        Assert.NotEqual(ReadFailure.CircuitOpen, missingAfter.Failure);
        Assert.Contains("not found", missingAfter.Reason, StringComparison.Ordinal);
        Assert.Equal(SignalStatus.Fresh, (await host.Cache.GetAsync(present, default)).Status);
    }

    internal static Task NextRefreshAsync(ReadingCache cache, SignalQuery query)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Handler(string key)
        {
            if (key == query.Key)
            {
                cache.Refreshed -= Handler;
                done.TrySetResult();
            }
        }

        cache.Refreshed += Handler;
        return WaitAsync(done.Task, cache, query);
    }

    private static async Task WaitAsync(Task refreshed, ReadingCache cache, SignalQuery query)
    {
        try
        {
            await refreshed.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            var reading = await cache.GetAsync(query, default);
            throw new TimeoutException($"{query} not refreshed within 30 s; its reading: {reading.Status} {reading.Reason}");
        }
    }
}
