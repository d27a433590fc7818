using System.Net.Sockets;
using System.Net;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Scaler.Decisions;

namespace Scaler.Signals;

/// <summary>The metric label of a <see cref="ReadFailure"/>, and the failure an exception stands for.</summary>
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
