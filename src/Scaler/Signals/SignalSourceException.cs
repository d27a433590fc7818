using Scaler.Decisions;

namespace Scaler.Signals;

/// <summary>
/// Thrown by a source for a transport-level failure it has already classified (so the pipeline retries it
/// and the metric counts it under <see cref="Failure"/>). The message must not hold credentials.
/// <see cref="UpstreamUnreachable"/> says the server itself could not be reached (it counts against the
/// upstream's circuit); otherwise the failure is this read's own.
/// </summary>
internal sealed class SignalSourceException : Exception, IUpstreamFailure
{
    public SignalSourceException()
    {
    }

    public SignalSourceException(string message)
        : base(message)
    {
    }

    public SignalSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SignalSourceException(ReadFailure failure, string message, Exception? innerException = null, bool upstreamUnreachable = false)
        : base(message, innerException) => (Failure, UpstreamUnreachable) = (failure, upstreamUnreachable);

    public ReadFailure Failure { get; } = ReadFailure.Other;

    public bool UpstreamUnreachable { get; }
}
