using Scaler.Decisions;

namespace Scaler.FrontDoors.Page;

/// <summary>A trigger's counts at one point of its history (the last decision of a sample interval); 16 bytes.</summary>
/// <param name="AtTicks">When the decision was made, UTC ticks.</param>
/// <param name="Desired">What the engine asked for.</param>
/// <param name="Current">Replicas asked for at the time (starting or ready).</param>
/// <param name="Ready">Of those, ready.</param>
/// <param name="Activity">Active, inactive or unknown.</param>
/// <param name="CannotDecide">The door answered "unavailable" instead of a count.</param>
/// <param name="InFallback">The fallback count raised the answer.</param>
internal readonly record struct ReplicaSample(long AtTicks, short Desired, short Current, short Ready, Activity Activity, bool CannotDecide, bool InFallback) : ITimedSample;
