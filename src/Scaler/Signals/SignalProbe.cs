namespace Scaler.Signals;

/// <summary>One probe of the upstream a query reads from, whatever the query's type (<see cref="IUpstreamProbe{TQuery}"/>).</summary>
internal delegate ValueTask SignalProbe(SignalQuery query, CancellationToken cancellationToken);
