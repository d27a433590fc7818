using Scaler.Decisions;

namespace Scaler.Signals;

/// <summary>
/// Thrown by a source for a transport-level failure it has already classified (so the pipeline retries it
/// and the metric counts it under <see cref="Failure"/>). The message must not hold credentials.
/// </summary>
internal sealed class SignalSourceException : Exception
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

    public SignalSourceException(ReadFailure failure, string message, Exception? innerException = null)
        : base(message, innerException) => Failure = failure;

    public ReadFailure Failure { get; } = ReadFailure.Other;
}
