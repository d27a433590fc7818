using System.Globalization;
using System.Security.Cryptography;

namespace Scaler.Signals.RabbitMq;

/// <summary>
/// One broker as this scaler reaches it: where, which vhost, with which credentials. Equal brokers share one
/// AMQP connection (<see cref="RabbitMqConnectionPool"/>). <see cref="ToString"/> is <see cref="Display"/>:
/// no credentials.
/// </summary>
/// <param name="Protocol">AMQP or the management HTTP API, from the URI scheme.</param>
/// <param name="Tls">amqps:// or https://.</param>
/// <param name="Host">Host name or address (IPv6 without brackets).</param>
/// <param name="Port">TCP port (AMQP defaults 5672/5671; HTTP takes the URI's port, 80/443 when none is written).</param>
/// <param name="PathBase">Management API only: the URI path before the vhost segment, still percent-encoded, for a broker behind a path-prefixing proxy ("" or "/rabbit").</param>
/// <param name="VirtualHost">The vhost, decoded ("/" is the default vhost).</param>
/// <param name="Credentials">Who connects.</param>
internal sealed record RabbitMqBroker(
    RabbitMqProtocol Protocol,
    bool Tls,
    string Host,
    int Port,
    string PathBase,
    string VirtualHost,
    RabbitMqCredentials Credentials)
{
    /// <summary>The broker without credentials, e.g. <c>amqp://rabbit.queues:5672</c> or <c>https://rabbit:15671/proxy</c>: for keys, logs and reasons.</summary>
    public string Display
    {
        get
        {
            var scheme = (Protocol, Tls) switch
            {
                (RabbitMqProtocol.Amqp, false) => "amqp",
                (RabbitMqProtocol.Amqp, true) => "amqps",
                (_, false) => "http",
                (_, true) => "https",
            };
            var host = Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host;
            return string.Create(CultureInfo.InvariantCulture, $"{scheme}://{host}:{Port}{PathBase}");
        }
    }

    /// <summary>The management API's URL for one queue; vhost and queue are percent-encoded (the default vhost "/" is <c>%2F</c>).</summary>
    public Uri QueueUri(string queueName) =>
        // Built as a string: UriBuilder.Path would escape the '%' of %2F again.
        new(Display + "/api/queues/" + Uri.EscapeDataString(VirtualHost) + "/" + Uri.EscapeDataString(queueName), UriKind.Absolute);

    public override string ToString() => Display;
}
