using System.Net;
using System.Net.Sockets;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Scaler.Signals;

/// <summary>
/// Why a read gave no fresh value, as a closed set: the <c>reason</c> label of
/// <c>scaler_signal_read_errors_total</c> (free text goes into <see cref="Reading.Reason"/>, never into a label).
/// </summary>
internal enum ReadFailure
{
    /// <summary>An attempt or the whole read ran past its timeout.</summary>
    Timeout,

    /// <summary>Connection refused, reset, DNS or TLS failure.</summary>
    Connection,

    /// <summary>The upstream rejected the request (bad query, unauthorized, not found): HTTP 4xx or the protocol's equivalent.</summary>
    Rejected,

    /// <summary>The upstream failed: HTTP 5xx.</summary>
    ServerError,

    /// <summary>The upstream answered with no value (empty vector, no such series).</summary>
    Empty,

    /// <summary>The value is NaN or ±Inf.</summary>
    NotFinite,

    /// <summary>The answer is ambiguous: more than one series where one is expected.</summary>
    MultipleValues,

    /// <summary>The answer could not be parsed.</summary>
    Malformed,

    /// <summary>The circuit breaker is open; the upstream was not asked.</summary>
    CircuitOpen,

    /// <summary>Anything else.</summary>
    Other,
}

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

internal static class ReadFailures
{
    /// <summary>The metric label for <paramref name="failure"/>: lower snake case, stable.</summary>
    public static string Label(this ReadFailure failure) => failure switch
    {
        ReadFailure.Timeout => "timeout",
        ReadFailure.Connection => "connection",
        ReadFailure.Rejected => "http_4xx",
        ReadFailure.ServerError => "http_5xx",
        ReadFailure.Empty => "empty",
        ReadFailure.NotFinite => "nan",
        ReadFailure.MultipleValues => "multiple_series",
        ReadFailure.Malformed => "malformed",
        ReadFailure.CircuitOpen => "circuit_open",
        _ => "other",
    };

    /// <summary>Classifies an exception a read threw.</summary>
    public static ReadFailure Classify(Exception exception) => exception switch
    {
        SignalSourceException source => source.Failure,
        TimeoutRejectedException or TimeoutException => ReadFailure.Timeout,
        BrokenCircuitException => ReadFailure.CircuitOpen,
        HttpRequestException { StatusCode: >= HttpStatusCode.InternalServerError } => ReadFailure.ServerError,
        HttpRequestException { StatusCode: >= HttpStatusCode.BadRequest } => ReadFailure.Rejected,
        HttpRequestException or SocketException or IOException => ReadFailure.Connection,
        _ => ReadFailure.Other,
    };
}
