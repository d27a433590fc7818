using System.Net.Sockets;
using System.Net;
using System.Security.Authentication;
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

    /// <summary>
    /// Whether <paramref name="exception"/> (or one inside it) says the upstream itself could not be reached:
    /// refused, name not resolved, no route, TLS handshake failed, or a source's own verdict
    /// (<see cref="IUpstreamFailure"/>). A read's own timeout, an HTTP error for one request or a response cut
    /// short is not: those make only that read's key unknown.
    /// </summary>
    public static bool IsUpstreamUnreachable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case IUpstreamFailure failure:
                    return failure.UpstreamUnreachable;
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError }:
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.NetworkDown or SocketError.TryAgain or SocketError.NoData or SocketError.AddressNotAvailable }:
                case AuthenticationException:
                    return true;
                default:
                    break;
            }
        }

        return false;
    }
}
