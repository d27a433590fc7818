namespace Scaler.Signals;

/// <summary>
/// An exception that says whether the upstream itself was out of reach (refused, DNS, TLS, the connection
/// could not be made in time, a broker connection down) rather than one request failing (its own timeout,
/// an HTTP 5xx for that query). Only the first counts against the upstream's circuit.
/// </summary>
internal interface IUpstreamFailure
{
    bool UpstreamUnreachable { get; }
}
