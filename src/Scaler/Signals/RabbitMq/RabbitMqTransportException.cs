namespace Scaler.Signals.RabbitMq;

/// <summary>
/// The broker could not be reached or failed (connection refused or lost, recovery in progress, HTTP 5xx):
/// the transport failure of the <see cref="ISignalSource{TQuery}"/> contract, for the resilience pipeline to
/// retry. The message names the broker without credentials and is safe to show in a reading's reason; the
/// inner exception is the client library's, which never saw credentials in a URI either.
/// <see cref="UpstreamUnreachable"/>: the broker itself is out of reach (cannot connect, connection down),
/// which counts against its circuit; otherwise one request failed.
/// </summary>
internal sealed class RabbitMqTransportException : IOException, IUpstreamFailure
{
    public RabbitMqTransportException(string message, Exception? innerException, bool upstreamUnreachable)
        : base(message, innerException) => UpstreamUnreachable = upstreamUnreachable;

    public RabbitMqTransportException(string message)
        : base(message)
    {
    }

    public RabbitMqTransportException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public RabbitMqTransportException()
    {
    }

    public bool UpstreamUnreachable { get; }
}
