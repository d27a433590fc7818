namespace Scaler.Signals.RabbitMq;

/// <summary>What a RabbitMQ reading measures.</summary>
internal enum RabbitMqMode
{
    /// <summary>Messages in the queue: ready, plus unacknowledged when <see cref="RabbitMqQuery.IncludeUnacked"/> (management API only).</summary>
    QueueLength,

    /// <summary>Publish rate into the queue, messages per second (management API only).</summary>
    MessageRate,

    /// <summary>Deliver-and-get rate out of the queue, messages per second (management API only).</summary>
    DeliverGetRate,

    /// <summary>Consumers attached to the queue (both protocols).</summary>
    Consumers,
}
