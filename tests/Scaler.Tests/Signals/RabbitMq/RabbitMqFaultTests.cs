using Microsoft.Extensions.Logging.Testing;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Scaler.Decisions;
using Scaler.Signals.RabbitMq;
using Xunit;

namespace Scaler.Tests.Signals.RabbitMq;

/// <summary>Faults no real broker produces on demand: a loopback fake management API, a resetting socket, nothing listening.</summary>
public class RabbitMqFaultTests
{
    private const string User = "scaler-bot-7q";
    private const string Secret = "pw-S3cret-2718";

    [Theory]
    // Server error: transport failure, the pipeline retries.
    [InlineData(500, "oops", "QueueLength", "throw")]
    // Unavailable behind a proxy: transport failure.
    [InlineData(503, "<html>upstream down</html>", "QueueLength", "throw")]
    // Rate limited: worth retrying.
    [InlineData(429, "", "QueueLength", "throw")]
    // A login page or other HTML with 200: answered, but not a queue.
    [InlineData(200, "<html><body>login</body></html>", "QueueLength", "unavailable:not a queue object")]
    // Truncated JSON.
    [InlineData(200, """{"name":"jobs","messages_ready":""", "QueueLength", "unavailable:not a queue object")]
    // JSON, but an array.
    [InlineData(200, "[]", "QueueLength", "unavailable:not a queue object")]
    // An object that is no queue (no name).
    [InlineData(200, """{"error":"x"}""", "QueueLength", "unavailable:not a queue object")]
    // A new queue before its first statistics emission: counts unknown, not 0.
    [InlineData(200, """{"name":"jobs","consumers":0}""", "QueueLength", "unavailable:reports no message counts")]
    // Ready and unacknowledged summed.
    [InlineData(200, """{"name":"jobs","consumers":2,"messages_ready":4,"messages_unacknowledged":2}""", "QueueLength", "fresh:6")]
    // Consumers from the same object.
    [InlineData(200, """{"name":"jobs","consumers":2,"messages_ready":4,"messages_unacknowledged":2}""", "Consumers", "fresh:2")]
    // No message_stats at all: a rate is unknown, not 0.
    [InlineData(200, """{"name":"jobs","consumers":0,"messages_ready":0,"messages_unacknowledged":0}""", "MessageRate", "unavailable:no publish rate")]
    // The broker says 0 explicitly: 0.
    [InlineData(200, """{"name":"jobs","messages_ready":0,"message_stats":{"publish":3,"publish_details":{"rate":0.0}}}""", "MessageRate", "fresh:0")]
    // Deliver rate read from deliver_get_details.
    [InlineData(200, """{"name":"jobs","messages_ready":0,"message_stats":{"deliver_get_details":{"rate":12.5}}}""", "DeliverGetRate", "fresh:12.5")]
    // Publish stats present, deliver stats absent: deliver rate unknown.
    [InlineData(200, """{"name":"jobs","messages_ready":0,"message_stats":{"publish_details":{"rate":1.5}}}""", "DeliverGetRate", "unavailable:no deliver_get rate")]
    // A count of the wrong type.
    [InlineData(200, """{"name":"jobs","messages_ready":"many","messages_unacknowledged":1}""", "QueueLength", "unavailable:reports no message counts")]
    // Wrong password.
    [InlineData(401, """{"error":"not_authorised","reason":"Login failed"}""", "QueueLength", "unavailable:management API: authentication failed")]
    // User lacks the monitoring tag or vhost permission.
    [InlineData(403, "", "QueueLength", "unavailable:management API: access refused")]
    // No such queue (or vhost).
    [InlineData(404, """{"error":"Object Not Found","reason":"Not Found"}""", "QueueLength", "unavailable:queue 'jobs' not found in vhost '/'")]
    // Redirects are not followed (the credentials would go elsewhere).
    [InlineData(301, "", "QueueLength", "unavailable:answered HTTP 301")]
    public async Task ReadAsync_ManagementAnswers_StatusPerContract(int status, string body, string mode, string expected)
    {
        await using var fake = await FakeRabbitMqManagementApi.StartAsync();
        fake.Respond = context => FakeRabbitMqManagementApi.Answer(context, status, body);
        await using var host = new RabbitMqTestHost();
        var query = host.Query(("host", ManagementUri(fake.BaseUri)), ("queueName", "jobs"), ("mode", mode));

        string outcome;
        string text;
        try
        {
            var reading = await host.Source.ReadAsync(query, default);
            outcome = reading.Status == SignalStatus.Fresh
                ? "fresh:" + reading.Value.ToString(CultureInfo.InvariantCulture)
                : "unavailable:" + reading.Reason;
            text = reading.Reason ?? "";
            Assert.True(reading.Status == SignalStatus.Fresh || double.IsNaN(reading.Value));
        }
        catch (RabbitMqTransportException exception)
        {
            outcome = "throw";
            text = exception.ToString();
        }

        if (expected.StartsWith("fresh:", StringComparison.Ordinal) || expected == "throw")
        {
            Assert.Equal(expected, outcome);
        }
        else
        {
            Assert.StartsWith("unavailable:", outcome, StringComparison.Ordinal);
            Assert.Contains(expected["unavailable:".Length..], outcome, StringComparison.Ordinal);
        }

        foreach (var line in host.Logs.Lines().Append(text))
        {
            Assert.DoesNotContain(Secret, line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ReadAsync_Management_RequestPathEncodedAndBasicAuthSent()
    {
        await using var fake = await FakeRabbitMqManagementApi.StartAsync();
        await using var host = new RabbitMqTestHost();
        var query = host.Query(("host", ManagementUri(fake.BaseUri, "rabbit/")), ("queueName", "jobs #1"));

        var reading = await host.Source.ReadAsync(query, default);

        Assert.Equal((SignalStatus.Fresh, 6.0), (reading.Status, reading.Value));
        var (target, authorization) = Assert.Single(fake.Requests);
        Assert.Equal("/rabbit/api/queues/%2F/jobs%20%231", target);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(User + ":" + Secret)), authorization);
    }

    [Fact]
    public async Task ReadAsync_ManagementSlowerThanCaller_CancelledPromptly()
    {
        await using var fake = await FakeRabbitMqManagementApi.StartAsync();
        fake.Respond = async context => await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        await using var host = new RabbitMqTestHost();
        var query = host.Query(("host", ManagementUri(fake.BaseUri)), ("queueName", "jobs"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var started = TimeProvider.System.GetTimestamp();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.Source.ReadAsync(query, timeout.Token).AsTask());

        Assert.InRange(TimeProvider.System.GetElapsedTime(started), TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ReadAsync_ManagementSlowerThanBackstop_TransportFailure()
    {
        await using var fake = await FakeRabbitMqManagementApi.StartAsync();
        fake.Respond = async context => await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        await using var host = new RabbitMqTestHost(new Dictionary<string, string?> { ["Signals:RabbitMq:RequestTimeout"] = "00:00:00.300" });
        var query = host.Query(("host", ManagementUri(fake.BaseUri)), ("queueName", "jobs"));

        var failure = await Assert.ThrowsAsync<RabbitMqTransportException>(() => host.Source.ReadAsync(query, default).AsTask());

        Assert.Contains("request failed", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    // Management API port resets every connection.
    [InlineData(true, true)]
    // AMQP port resets every connection.
    [InlineData(false, true)]
    // Management API port with nothing listening.
    [InlineData(true, false)]
    // AMQP port with nothing listening.
    [InlineData(false, false)]
    public async Task ReadAsync_ConnectionResetOrRefused_TransportFailureWithoutCredentials(bool management, bool reset)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        Task resetting = Task.CompletedTask;
        if (reset)
        {
            resetting = ResetEveryConnectionAsync(listener, stop.Token);
        }
        else
        {
            listener.Stop();
        }

        await using var host = new RabbitMqTestHost();
        var scheme = management ? "http" : "amqp";
        var query = host.Query(("host", $"{scheme}://{User}:{Secret}@127.0.0.1:{port}/"), ("queueName", "jobs"));

        var failure = await Assert.ThrowsAsync<RabbitMqTransportException>(() => host.Source.ReadAsync(query, default).AsTask());
        await stop.CancelAsync();
        await resetting;

        Assert.Contains($"127.0.0.1:{port}", failure.Message, StringComparison.Ordinal);
        foreach (var text in host.Logs.Lines().Append(failure.ToString()))
        {
            Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(User, text, StringComparison.Ordinal);
        }

        Assert.Equal(0, host.Pool.ConnectionsOpened);
    }

    [Fact]
    public async Task ReadAsync_AmqpAfterRefusedConnect_NothingPooledAndNextReadTriesAgain()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var host = new RabbitMqTestHost();
        var query = host.Query(("host", $"amqp://127.0.0.1:{port}/"), ("queueName", "jobs"));

        await Assert.ThrowsAsync<RabbitMqTransportException>(() => host.Source.ReadAsync(query, default).AsTask());
        var second = await Assert.ThrowsAsync<RabbitMqTransportException>(() => host.Source.ReadAsync(query, default).AsTask());

        // Each read made its own attempt: no connection object was pooled in a failed state.
        Assert.Contains("cannot connect", second.Message, StringComparison.Ordinal);
        Assert.Equal(0, host.Pool.ConnectionsOpened);
    }

    private static async Task ResetEveryConnectionAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(cancellationToken);
                client.LingerState = new LingerOption(true, 0);
                client.Client.Close();
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            listener.Stop();
        }
    }

    private static string ManagementUri(Uri baseUri, string path = "") =>
        $"http://{User}:{Secret}@127.0.0.1:{baseUri.Port}/{path}";
}
