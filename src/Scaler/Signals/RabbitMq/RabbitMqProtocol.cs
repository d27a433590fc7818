using System.Security.Cryptography;

namespace Scaler.Signals.RabbitMq;

/// <summary>How a broker is read: AMQP passive declare, or the management plugin's HTTP API.</summary>
internal enum RabbitMqProtocol
{
    /// <summary><c>amqp://</c> or <c>amqps://</c>: ready messages and consumers only.</summary>
    Amqp,

    /// <summary><c>http://</c> or <c>https://</c>: ready, unacknowledged, consumers and message rates.</summary>
    Management,
}
