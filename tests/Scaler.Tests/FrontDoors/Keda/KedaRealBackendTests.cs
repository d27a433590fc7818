using System.Diagnostics;
using Grpc.Core;
using Scaler.FrontDoors.Keda.Protocol;
using Scaler.Testing;
using Scaler.Tests.Signals.RabbitMq;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>
/// The door with real servers behind its signals, stopped mid-test: the answer goes from the value to
/// UNAVAILABLE (so KEDA's fallback can act), never to 0.
/// </summary>
internal static class BackendOutage
{
    /// <summary>Signals that age quickly, so an outage shows within seconds rather than a minute.</summary>
    public static Dictionary<string, string?> FastAging(string source) => new()
    {
        [$"Signals:{source}:RefreshInterval"] = "200ms",
        [$"Signals:{source}:StaleAfter"] = "1s",
        [$"Signals:{source}:UnavailableAfter"] = "2s",
        [$"Signals:{source}:AttemptTimeout"] = "500ms",
        [$"Signals:{source}:TotalTimeout"] = "1s",
    };

    /// <summary>Polls as KEDA does until GetMetrics answers <paramref name="expected"/>; returns every answer seen.</summary>
    public static async Task<List<string>> UntilAsync(KedaScalerHost host, ScaledObjectRef scaledObject, string expected)
    {
        var seen = new List<string>();
        var metricName = (await host.Client.GetMetricSpecAsync(scaledObject)).MetricSpecs.Single().MetricName;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(40))
        {
            string answer;
            try
            {
                var value = (await host.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = scaledObject, MetricName = metricName })).MetricValues.Single();
                answer = value.MetricValue_.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (RpcException e)
            {
                answer = e.StatusCode.ToString();
            }

            seen.Add(answer);
            if (answer == expected)
            {
                return seen;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"GetMetrics never answered {expected}; saw {string.Join(", ", seen.Distinct())}");
    }
}

public sealed class KedaPrometheusBackendTests
{
    [Fact]
    public async Task GetMetrics_RealPrometheusStopped_ValueThenUnavailableNeverZero()
    {
        await using var host = await KedaScalerHost.StartAsync(settings: BackendOutage.FastAging("prometheus"), settablePrometheus: false);
        // The server scrapes the Scaler's own /metrics; the query needs no series at all.
        await using var prometheus = await PrometheusServer.StartAsync($"{host.HttpAddress.Host}:{host.HttpAddress.Port}");
        var scaledObject = KedaScalerHost.ScaledObject("real-prometheus", new Dictionary<string, string>
        {
            ["prometheusAddress"] = prometheus.Address.ToString(),
            ["staleAfter"] = "3s",
        }, query: "vector(12)");

        // 12 pending at 5 per replica.
        await BackendOutage.UntilAsync(host, scaledObject, "3");
        await prometheus.StopAsync();
        var seen = await BackendOutage.UntilAsync(host, scaledObject, nameof(StatusCode.Unavailable));

        Assert.DoesNotContain("0", seen);
    }
}

[Collection(RabbitMqBrokerGroup.Name)]
public sealed class KedaRabbitMqBackendTests(RabbitMqBrokerFixture broker, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task StreamIsActive_MessageQueuedOnRealBroker_TrueWithinSecondsAtDefaultRefresh()
    {
        var queue = await broker.DeclareQueueAsync();
        // Default signal settings: the stream itself must make the queue's reading fresh enough.
        await using var host = await KedaScalerHost.StartAsync();
        var scaledObject = QueueTrigger("pushed-rabbitmq", queue, ("minReplicas", "0"), ("idleReplicas", "0"));

        // Inactive first: the empty queue is read (0 messages, known) and nothing is sent.
        await BackendOutage.UntilAsync(host, scaledObject, "0");
        using var call = host.Client.StreamIsActive(scaledObject);
        var next = call.ResponseStream.MoveNext();
        await host.StreamSettledInactiveAsync(scaledObject);
        Assert.False(next.IsCompleted);

        var watch = Stopwatch.StartNew();
        await broker.PublishAsync(queue, 1);
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(20)));
        var latency = watch.Elapsed;
        Assert.True(call.ResponseStream.Current.Result);
        output.WriteLine($"queued message to true on the stream: {latency.TotalMilliseconds:F0} ms");

        // The default refresh is 5 s; the open stream must not wait for it (the goal, 1 s, is measured in bench/Keda.Bench).
        Assert.True(latency < TimeSpan.FromSeconds(3), $"true came {latency.TotalMilliseconds:F0} ms after the message was queued");
    }

    [Fact]
    public async Task GetMetrics_RealBrokerStopped_ValueThenUnavailableNeverZero()
    {
        var queue = await broker.DeclareQueueAsync();
        await broker.PublishAsync(queue, 12);
        await using var host = await KedaScalerHost.StartAsync(settings: BackendOutage.FastAging("rabbitmq"));
        var scaledObject = QueueTrigger("real-rabbitmq", queue, ("scaleUpLimit", "10/60s"), ("staleAfter", "3s"));

        await BackendOutage.UntilAsync(host, scaledObject, "3");
        await broker.StopAsync();
        try
        {
            var seen = await BackendOutage.UntilAsync(host, scaledObject, nameof(StatusCode.Unavailable));
            Assert.DoesNotContain("0", seen);
        }
        finally
        {
            // The collection's other tests use the same broker.
            await broker.StartAsync();
        }
    }

    // A trigger on the fixture's broker: 5 messages per replica, plus the given keys.
    private ScaledObjectRef QueueTrigger(string name, string queue, params (string Key, string Value)[] extra)
    {
        var scaledObject = new ScaledObjectRef { Name = name, Namespace = "jobs" };
        scaledObject.ScalerMetadata.Add("rabbitmqHost", broker.AmqpUri());
        scaledObject.ScalerMetadata.Add("queueName", queue);
        scaledObject.ScalerMetadata.Add("queueLengthTarget", "5");
        foreach (var (key, value) in extra)
        {
            scaledObject.ScalerMetadata.Add(key, value);
        }

        return scaledObject;
    }
}
