using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scaler.Decisions;
using Scaler.Signals;
using Scaler.Signals.RabbitMq;
using Scaler.Tests.Signals.RabbitMq;

namespace Reliability.Bench;

/// <summary>
/// In process, against a real RabbitMQ (the broker the tests start): a healthy tenant's reading next to two
/// triggers on a dead broker, then broker restarts and how soon after the broker answers again the reading is fresh.
/// The signal layer as the Scaler registers it, with its shipped defaults.
/// </summary>
internal static class BrokerIsolation
{
    public static async Task RunAsync(TimeSpan tenantTime, int restarts)
    {
        var broker = new RabbitMqBrokerFixture();
        await broker.InitializeAsync();
        try
        {
            var services = new ServiceCollection();
            services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
            services.AddLogging();
            services.AddRabbitMqSignals();
            await using var provider = services.BuildServiceProvider();
            var cache = provider.GetRequiredService<ReadingCache>();
            var credentials = provider.GetRequiredService<IOptions<RabbitMqCredentialsOptions>>().Value;
            RabbitMqQuery Query(string host, string queue) => RabbitMqQuery.Parse(new Dictionary<string, string> { ["host"] = host, ["queueName"] = queue }, credentials);

            var queue = await broker.DeclareQueueAsync(durable: true);
            await broker.PublishAsync(queue, 2);
            var healthy = Query(broker.AmqpUri(), queue);
            var dead = new[] { Query("amqp://guest:guest@127.0.0.1:1/", "orders"), Query("amqp://guest:guest@127.0.0.1:1/", "invoices") };
            foreach (var query in dead.Append(healthy))
            {
                await cache.GetAsync(query, default);
            }

            await UntilAsync(cache, healthy, r => r.Status == SignalStatus.Fresh, TimeSpan.FromSeconds(30));
            var clock = Stopwatch.StartNew();
            TimeSpan? firstUnavailable = null;
            TimeSpan? deadOpen = null;
            var asks = 0;
            while (clock.Elapsed < tenantTime)
            {
                asks++;
                var reading = await cache.GetAsync(healthy, default);
                if (reading.Status != SignalStatus.Fresh && firstUnavailable is null)
                {
                    firstUnavailable = clock.Elapsed;
                }

                if (deadOpen is null && (await cache.GetAsync(dead[0], default)).Failure == ReadFailure.CircuitOpen)
                {
                    deadOpen = clock.Elapsed;
                }

                await Task.Delay(250);
            }

            Console.WriteLine(Invariant(
                $"broker: a healthy tenant next to two triggers on a dead broker (127.0.0.1:1) for {tenantTime.TotalSeconds:0} s, {asks} asks: first reading not fresh for the healthy tenant: {(firstUnavailable is { } at ? $"at {at.TotalSeconds:0.0} s (goal: never; not met)" : "never (goal: never; met)")}; the dead broker's circuit open after {deadOpen?.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) ?? "never"} s"));

            var recoveries = new List<double>();
            for (var i = 1; i <= restarts; i++)
            {
                // Long outages: the circuit opens and the probe brings the reading back. Short ones: the next refresh.
                var longOutage = i % 2 == 1;
                var stopped = Stopwatch.StartNew();
                await broker.StopAsync();
                var stopTook = stopped.Elapsed;
                await UntilAsync(cache, healthy, r => longOutage ? r.Failure == ReadFailure.CircuitOpen : r.Status != SignalStatus.Fresh, TimeSpan.FromSeconds(90));
                var down = stopped.Elapsed;
                await broker.StartAsync();
                var back = Stopwatch.StartNew();
                await UntilAsync(cache, healthy, r => r.Status == SignalStatus.Fresh, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(50));
                recoveries.Add(back.Elapsed.TotalSeconds);
                Console.WriteLine(Invariant(
                    $"broker restart {i} ({(longOutage ? "long outage: waited for the circuit to open" : "short outage: started again as soon as a read failed")}): stop took {stopTook.TotalSeconds:0.0} s, reading unusable {down.TotalSeconds:0.0} s after the stop began; fresh again {back.Elapsed.TotalSeconds:0.00} s after the broker answered"));
            }

            if (recoveries.Count > 0)
            {
                recoveries.Sort();
                Console.WriteLine(Invariant(
                    $"broker recovery over {recoveries.Count} restarts: min {recoveries[0]:0.00} s, median {recoveries[recoveries.Count / 2]:0.00} s, max {recoveries[^1]:0.00} s (goal <= 5 s: {(recoveries[^1] <= 5 ? "met" : "not met")})"));
            }
        }
        finally
        {
            await broker.DisposeAsync();
            broker.Dispose();
        }
    }

    private static async Task UntilAsync(ReadingCache cache, SignalQuery query, Func<Reading, bool> done, TimeSpan limit, TimeSpan? every = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var reading = await cache.GetAsync(query, default);
            if (done(reading))
            {
                return;
            }

            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"{query}: still {reading.Status} ({reading.Reason}) after {limit}");
            }

            await Task.Delay(every ?? TimeSpan.FromMilliseconds(200));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
