using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Scaler.Signals.RabbitMq;

/// <summary>
/// Reads one queue from the management plugin's HTTP API: <c>GET {base}/api/queues/{vhost}/{queue}</c> with
/// basic authentication. The upstream answering "no" (401, 403, 404, a body that is not a queue) is an
/// observation with a reason; the upstream failing (connection, HTTP 5xx, 408, 429, a backstop timeout)
/// throws <see cref="RabbitMqTransportException"/>.
/// </summary>
internal sealed class RabbitMqManagementClient(IHttpClientFactory httpClientFactory, ILogger<RabbitMqManagementClient> logger)
{
    /// <summary>The named <see cref="HttpClient"/> (configured by <see cref="RabbitMqServiceCollectionExtensions.AddRabbitMqSignals"/>).</summary>
    public const string HttpClientName = "Scaler.Signals.RabbitMq.Management";

    /// <summary>
    /// Reaches the management API: <c>GET {base}/api/overview</c> with the query's credentials. Any HTTP status
    /// is an answer; only failing to connect throws <see cref="RabbitMqTransportException"/>.
    /// </summary>
    public async ValueTask ProbeAsync(RabbitMqQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var broker = query.Broker;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(broker.Display + "/api/overview", UriKind.Absolute));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(broker.Credentials.UserName + ":" + broker.Credentials.Password)));
        try
        {
            using var response = await httpClientFactory.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new RabbitMqTransportException($"RabbitMQ management API {broker.Display}: request failed ({RabbitMqConnectionPool.Describe(exception)})", exception, ReadFailures.IsUpstreamUnreachable(exception));
        }
    }

    public async ValueTask<RabbitMqObservation> ReadAsync(RabbitMqQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var broker = query.Broker;
        using var request = new HttpRequestMessage(HttpMethod.Get, broker.QueueUri(query.QueueName));
        var credentials = Encoding.UTF8.GetBytes(broker.Credentials.UserName + ":" + broker.Credentials.Password);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(credentials));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        var http = httpClientFactory.CreateClient(HttpClientName);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // HttpClient's own backstop timeout surfaces as TaskCanceledException without our token cancelled.
            throw new RabbitMqTransportException($"RabbitMQ management API {broker.Display}: request failed ({RabbitMqConnectionPool.Describe(exception)})", exception, ReadFailures.IsUpstreamUnreachable(exception));
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    break;
                case HttpStatusCode.Unauthorized:
                    const string AuthFailed = "authentication failed (check the user name and password)";
                    logger.AccessRefused(broker.Display, broker.VirtualHost, AuthFailed);
                    return RabbitMqObservation.Refused("management API: " + AuthFailed);
                case HttpStatusCode.Forbidden:
                    const string Forbidden = "access refused (the user needs the monitoring or management tag and a permission on the vhost)";
                    logger.AccessRefused(broker.Display, broker.VirtualHost, Forbidden);
                    return RabbitMqObservation.Refused("management API: " + Forbidden);
                case HttpStatusCode.NotFound:
                    logger.QueueNotFound(broker.Display, broker.VirtualHost, query.QueueName);
                    return RabbitMqObservation.Refused($"queue '{query.QueueName}' not found in vhost '{broker.VirtualHost}' (or the vhost does not exist)");
                case HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests:
                case >= HttpStatusCode.InternalServerError:
                    throw new RabbitMqTransportException(string.Create(CultureInfo.InvariantCulture, $"RabbitMQ management API {broker.Display}: HTTP {status} {response.ReasonPhrase}"));
                default:
                    // Redirects are not followed (they would need the Authorization header re-sent elsewhere).
                    return RabbitMqObservation.Refused(string.Create(CultureInfo.InvariantCulture, $"management API {broker.Display} answered HTTP {status} {response.ReasonPhrase} (check the host URI)"));
            }

            byte[] body;
            try
            {
                body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw new RabbitMqTransportException($"RabbitMQ management API {broker.Display}: reading the answer failed ({RabbitMqConnectionPool.Describe(exception)})", exception);
            }

            if (Parse(body, out var problem) is { } state)
            {
                return RabbitMqObservation.Of(state);
            }

            logger.ManagementBodyUnusable(broker.Display, status, query.QueueName, broker.VirtualHost, problem!);
            return RabbitMqObservation.Refused($"management API {broker.Display} answered with a body that is not a queue object ({problem})");
        }
    }

    /// <summary>
    /// The queue object's counts and rates. Fields the broker has not reported are null: counts appear after the
    /// first statistics emission for a new queue, rates after the first publish or delivery.
    /// </summary>
    internal static RabbitMqQueueState? Parse(ReadOnlySpan<byte> body, out string? problem)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = $"a JSON {root.ValueKind}, not an object";
                return null;
            }

            if (!root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                problem = "no queue name";
                return null;
            }

            problem = null;
            return new RabbitMqQueueState(
                Count(root, "messages_ready"),
                Count(root, "messages_unacknowledged"),
                Count(root, "consumers"),
                Rate(root, "publish_details"),
                Rate(root, "deliver_get_details"));
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or FormatException)
        {
            problem = exception.GetType().Name + ": " + exception.Message;
            return null;
        }

        static long? Count(JsonElement root, string property) =>
            root.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;

        static double? Rate(JsonElement root, string details) =>
            root.TryGetProperty("message_stats", out var stats) && stats.ValueKind == JsonValueKind.Object
            && stats.TryGetProperty(details, out var detail) && detail.ValueKind == JsonValueKind.Object
            && detail.TryGetProperty("rate", out var rate) && rate.ValueKind == JsonValueKind.Number
                ? rate.GetDouble()
                : null;
    }
}
