namespace Scaler.Signals;

/// <summary>
/// One registered source, as <c>AddSignalSource</c> records it: its name, the query type it reads, and how to
/// get a reader (and a probe, if the source has one) for that type from the container.
/// <see cref="SignalSources"/> builds its dispatch table from these.
/// </summary>
/// <param name="Name">The source's name (<see cref="SignalQuery.Source"/>): options section, metrics label.</param>
/// <param name="QueryType">The run-time type of the queries it reads.</param>
/// <param name="Binding">Resolves the source and adapts its read and its upstream probe (<see cref="IUpstreamProbe{TQuery}"/>, if it has one) to any <see cref="SignalQuery"/> of <paramref name="QueryType"/>.</param>
internal sealed record SignalSourceRegistration(string Name, Type QueryType, Func<IServiceProvider, (SignalReader Reader, SignalProbe? Probe)> Binding)
{
    public static SignalSourceRegistration For<TQuery>(string name)
        where TQuery : SignalQuery => new(name, typeof(TQuery), static services =>
        {
            var source = (ISignalSource<TQuery>)services.GetService(typeof(ISignalSource<TQuery>))!;
            SignalProbe? probe = source is IUpstreamProbe<TQuery> prober ? (query, cancellationToken) => prober.ProbeAsync((TQuery)query, cancellationToken) : null;
            return ((query, cancellationToken) => source.ReadAsync((TQuery)query, cancellationToken), probe);
        });
}
