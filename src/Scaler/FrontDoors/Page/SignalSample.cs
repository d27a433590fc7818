using Scaler.Decisions;

namespace Scaler.FrontDoors.Page;

/// <summary>What one signal said at one point of a trigger's history; 16 bytes.</summary>
/// <param name="AtTicks">When, UTC ticks.</param>
/// <param name="Value">The value the engine used; NaN when unknown.</param>
/// <param name="Proposal">Replicas it asked for; -1 when none.</param>
/// <param name="Status">Fresh, stale or unavailable.</param>
/// <param name="Known">Whether the engine could use it (fresh, or stale within its limit).</param>
internal readonly record struct SignalSample(long AtTicks, float Value, short Proposal, SignalStatus Status, bool Known) : ITimedSample;
