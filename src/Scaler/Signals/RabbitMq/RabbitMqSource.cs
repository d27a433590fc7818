using Scaler.Decisions;

namespace Scaler.Signals.RabbitMq;

/// <summary>
/// Reads one queue of a RabbitMQ broker: over AMQP (passive declare on a pooled connection: ready messages and
/// consumers) or over the management HTTP API (ready, unacknowledged, consumers, publish and deliver rates),
/// as the query's host scheme says. One attempt per call (the <see cref="ISignalSource{TQuery}"/> contract):
/// a missing queue, refused credentials or a value the broker does not report is an unavailable reading,
/// never 0; an unreachable broker throws <see cref="RabbitMqTransportException"/>.
/// </summary>
internal sealed class RabbitMqSource(RabbitMqConnectionPool pool, RabbitMqManagementClient management, TimeProvider time) : ISignalSource<RabbitMqQuery>, IUpstreamProbe<RabbitMqQuery>
{
    /// <summary>Reaches the broker: its AMQP connection (replacing one still recovering), or the management API's overview.</summary>
    public ValueTask ProbeAsync(RabbitMqQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query.Broker.Protocol == RabbitMqProtocol.Management
            ? management.ProbeAsync(query, cancellationToken)
            : pool.ProbeAsync(query.Broker, cancellationToken);
    }

    public async ValueTask<Reading> ReadAsync(RabbitMqQuery query, CancellationToken cancellationToken)
    {
        var observation = await ObserveAsync(query, cancellationToken).ConfigureAwait(false);
        if (observation.State is not { } state)
        {
            return Reading.Unavailable(observation.Reason ?? "no answer");
        }

        var (value, unavailable) = state.Select(query);
        return unavailable is null ? Reading.Fresh(value, time.GetUtcNow()) : Reading.Unavailable(unavailable);
    }

    /// <summary>The whole queue state (every count and rate the protocol sees), for callers that need more than one number.</summary>
    public async ValueTask<RabbitMqObservation> ObserveAsync(RabbitMqQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Broker.Protocol == RabbitMqProtocol.Management)
        {
            return await management.ReadAsync(query, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var ok = await pool.DeclarePassiveAsync(query.Broker, query.QueueName, cancellationToken).ConfigureAwait(false);
            // AMQP reports ready messages only: deliveries awaiting acknowledgement are invisible (KEDA #638, #5050).
            return RabbitMqObservation.Of(new RabbitMqQueueState(ok.MessageCount, null, ok.ConsumerCount, null, null));
        }
        catch (RabbitMqRefusedException refused)
        {
            return RabbitMqObservation.Refused(refused.Message);
        }
    }
}
