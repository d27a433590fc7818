using System.Collections.Immutable;

namespace Scaler.Simulation;

/// <summary>One request of a trace: when it arrives (seconds from the trace start) and its token counts.</summary>
internal readonly record struct TraceRequest(double ArrivalSeconds, int ContextTokens, int GeneratedTokens);

/// <summary>A request trace, sorted by arrival, starting at 0.</summary>
/// <param name="Name">What it is, for reports (file name or generator and seed).</param>
/// <param name="Requests">Requests sorted by arrival.</param>
internal sealed record Trace(string Name, ImmutableArray<TraceRequest> Requests)
{
    public double DurationSeconds => Requests.IsDefaultOrEmpty ? 0 : Requests[^1].ArrivalSeconds;
}
