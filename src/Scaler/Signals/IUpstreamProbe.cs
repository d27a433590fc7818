namespace Scaler.Signals;

/// <summary>
/// A source's cheap request that tells whether one of its upstreams can be reached at all (Prometheus' build
/// info, a broker's connection), made while that upstream's circuit is open instead of letting a trigger's
/// own read through: a read can fail for reasons of its own (a slow query), a probe only when the server is
/// out of reach. Throws like a read when it cannot be reached; any answer, even an error status, is reachable.
/// A source without one is probed with a read of the upstream's last healthy query.
/// </summary>
internal interface IUpstreamProbe<in TQuery>
    where TQuery : SignalQuery
{
    /// <summary>Reaches the upstream <paramref name="query"/> reads from, with the query's connection settings (TLS, credentials).</summary>
    ValueTask ProbeAsync(TQuery query, CancellationToken cancellationToken);
}
