using System.Globalization;

namespace Scaler.Signals.RabbitMq;

/// <summary>
/// Everything one read learned about a queue: the richer result behind a <see cref="Reading"/>, which carries
/// one number (<see cref="RabbitMqQuery.Mode"/> picks it, <see cref="Select"/>). Null is "not reported":
/// AMQP sees ready messages and consumers only; the management API omits counts until its first statistics
/// emission for a new queue and rates until the first such traffic.
/// </summary>
/// <param name="Ready">Messages ready for delivery.</param>
/// <param name="Unacknowledged">Delivered, not yet acknowledged (management API only).</param>
/// <param name="Consumers">Consumers on the queue.</param>
/// <param name="PublishRate">Messages published per second (management API only).</param>
/// <param name="DeliverGetRate">Messages delivered or fetched per second (management API only).</param>
internal sealed record RabbitMqQueueState(long? Ready, long? Unacknowledged, long? Consumers, double? PublishRate, double? DeliverGetRate)
{
    /// <summary>The value a query asks for, or why there is none (never 0 for "not reported").</summary>
    public (double Value, string? Unavailable) Select(RabbitMqQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query.Mode switch
        {
            RabbitMqMode.QueueLength when query.IncludeUnacked => (Ready, Unacknowledged) is ({ } ready, { } unacked)
                ? (ready + unacked, null)
                : (double.NaN, Missing("message counts")),
            RabbitMqMode.QueueLength => Ready is { } readyOnly ? (readyOnly, null) : (double.NaN, Missing("message counts")),
            RabbitMqMode.Consumers => Consumers is { } consumers ? (consumers, null) : (double.NaN, Missing("consumer count")),
            // A rate is 0 only when the broker says 0: a queue that never saw such traffic has no message_stats,
            // and absent is unknown, not idle.
            RabbitMqMode.MessageRate => PublishRate is { } publish ? (publish, null) : (double.NaN, NoRate("publish")),
            RabbitMqMode.DeliverGetRate => DeliverGetRate is { } deliver ? (deliver, null) : (double.NaN, NoRate("deliver_get")),
            _ => throw new ArgumentOutOfRangeException(nameof(query), query.Mode, null),
        };

        string Missing(string what) => string.Create(
            CultureInfo.InvariantCulture,
            $"the management API reports no {what} for queue '{query.QueueName}' yet (statistics not collected yet, or disabled)");

        string NoRate(string stat) => string.Create(
            CultureInfo.InvariantCulture,
            $"the management API reports no {stat} rate for queue '{query.QueueName}' (no such traffic since the broker started, or message statistics are disabled)");
    }
}

/// <summary>A read's outcome before a mode picks a value: the queue's state, or why the broker gave none.</summary>
internal sealed record RabbitMqObservation(RabbitMqQueueState? State, string? Reason)
{
    public static RabbitMqObservation Of(RabbitMqQueueState state) => new(state, null);

    public static RabbitMqObservation Refused(string reason) => new(null, reason);
}
