using Scaler.Decisions;

namespace Scaler.FrontDoors.Page;

/// <summary>A decision that changed something an operator follows: the count, activity, "cannot decide" or fallback.</summary>
/// <param name="At">When.</param>
/// <param name="From">The desired count before; null for the trigger's first decision.</param>
/// <param name="Desired">The desired count.</param>
/// <param name="Current">Replicas then.</param>
/// <param name="Ready">Ready replicas then.</param>
/// <param name="Activity">Active, inactive or unknown.</param>
/// <param name="CannotDecide">Answered "unavailable".</param>
/// <param name="InFallback">The fallback count applied.</param>
/// <param name="Rules">The rules that changed the count, kebab-case.</param>
/// <param name="Explanation">The engine's one-line explanation.</param>
internal sealed record TimelineEntry(
    DateTimeOffset At,
    int? From,
    int Desired,
    int Current,
    int Ready,
    Activity Activity,
    bool CannotDecide,
    bool InFallback,
    string[] Rules,
    string Explanation);
