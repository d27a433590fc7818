using Scaler.Decisions;

namespace Scaler.Signals;

/// <summary>One read of a query by its source, whatever the query's type.</summary>
internal delegate ValueTask<Reading> SignalReader(SignalQuery query, CancellationToken cancellationToken);
