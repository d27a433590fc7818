using Scaler.Decisions;

namespace Scaler.FrontDoors.Keda;

/// <summary>A trigger's decision that differs from its previous one in what an operator would want told: the desired count, "cannot decide", or fallback.</summary>
/// <param name="Trigger">The trigger.</param>
/// <param name="Previous">The trigger's previous decision; null for its first.</param>
/// <param name="Current">The new decision.</param>
internal sealed record DecisionChange(TriggerId Trigger, Decision? Previous, Decision Current);
