namespace Scaler.Decisions;

/// <summary>What one signal said, as the explanation reports it.</summary>
/// <param name="Name">Signal name.</param>
/// <param name="Role">Demand or saturation.</param>
/// <param name="Status">Status of the reading (Unavailable when no reading was given).</param>
/// <param name="Value">The value used; NaN when unknown.</param>
/// <param name="Known">Whether the value was usable (fresh, or stale within its limit).</param>
/// <param name="Proposal">Replicas this signal asks for, before the combination; null when unknown.</param>
/// <param name="Note">Why, in a few words (tolerance, no ready replicas, beyond staleness limit).</param>
internal sealed record SignalExplanation(string Name, SignalRole Role, SignalStatus Status, double Value, bool Known, int? Proposal, string Note);
