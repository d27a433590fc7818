using Scaler.Signals.Kubernetes;

namespace Scaler.Signals;

/// <summary>
/// What to read from a source for one workload: a typed, validated query that its source parses once from
/// trigger metadata. <see cref="Key"/> identifies the upstream read, so every caller asking the same thing
/// shares one cached reading and one in-flight read; it must not contain credentials. The cache finds the
/// query's source from its run-time type (<see cref="SignalSources"/>).
/// </summary>
internal abstract record SignalQuery
{
    /// <summary>The source's name ("prometheus", "rabbitmq", "gpu", "inference-server"): metrics label, options and pipeline name.</summary>
    public abstract string Source { get; }

    /// <summary>A stable key for caching and single-flight, e.g. <c>prometheus|http://prom:9090|sum(x)</c>.</summary>
    public abstract string Key { get; }

    /// <summary>
    /// The upstream endpoint this read goes to (a Prometheus server, a broker), without credentials: reads
    /// to one upstream share a circuit breaker, so one dead server does not break the circuit of every
    /// other server of the same kind. Defaults to <see cref="Source"/> (one circuit per source).
    /// </summary>
    public virtual string Upstream => Source;

    /// <summary>
    /// The workload whose pods this query reads, when it reads pods (a GPU fleet, pod scrapes); null when
    /// it reads something outside them (Prometheus, a broker). Such a query cannot see demand while no pod
    /// runs, and its pod selector is the workload's.
    /// </summary>
    public virtual WorkloadRef? Pods => null;
}
