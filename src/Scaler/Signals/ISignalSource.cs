using Scaler.Decisions;

namespace Scaler.Signals;

/// <summary>
/// What to read from a source for one workload: a typed, validated query parsed once from trigger
/// metadata. <see cref="Key"/> identifies the upstream read, so every caller asking the same thing
/// shares one cached reading and one in-flight read; it must not contain credentials.
/// </summary>
internal abstract record SignalQuery
{
    /// <summary>The source kind ("prometheus", "rabbitmq", "gpu", "inference-server"): metrics label and pipeline name.</summary>
    public abstract string Source { get; }

    /// <summary>A stable key for caching and single-flight, e.g. <c>prometheus|http://prom:9090|sum(x)</c>.</summary>
    public abstract string Key { get; }

    /// <summary>
    /// The upstream endpoint this read goes to (a Prometheus server, a broker), without credentials: reads
    /// to one upstream share a circuit breaker, so one dead server does not break the circuit of every
    /// other server of the same kind. Defaults to <see cref="Source"/> (one circuit per source kind).
    /// </summary>
    public virtual string Upstream => Source;
}

/// <summary>
/// One kind of source (STYLE rule 2: a folder, a class, a registration line). A read is one attempt:
/// <list type="bullet">
/// <item>the answer is a value: return <see cref="Reading.Fresh"/>;</item>
/// <item>the upstream answered but there is no usable value (empty vector, NaN, no such queue): return
///   <see cref="Reading.Unavailable"/> with the reason; retrying will not help;</item>
/// <item>the upstream could not be reached or failed (connection refused, reset, timeout, HTTP 5xx): throw;
///   the caller's resilience pipeline retries, times out and breaks the circuit, and turns what is left
///   into an unavailable reading. Exceptions never reach a front door.</item>
/// </list>
/// Sources do not cache; <see cref="ReadingCache"/> does.
/// </summary>
internal interface ISignalSource<in TQuery>
    where TQuery : SignalQuery
{
    ValueTask<Reading> ReadAsync(TQuery query, CancellationToken cancellationToken);
}
