using Scaler.Decisions;

namespace Scaler.Signals;

/// <summary>
/// One kind of source (STYLE rule 2: a folder, a class, a registration line). A read is one attempt:
/// <list type="bullet">
/// <item>the answer is a value: return <see cref="Reading.Fresh"/>;</item>
/// <item>the upstream answered but there is no usable value (empty vector, NaN, no such queue): return
///   <see cref="Reading.Unavailable(string?, DateTimeOffset?)"/> with the reason; retrying will not help;</item>
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
