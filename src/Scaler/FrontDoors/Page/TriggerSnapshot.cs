using Scaler.FrontDoors.Keda;

namespace Scaler.FrontDoors.Page;

/// <summary>A copy of one trigger's history, safe to render while decisions go on.</summary>
/// <param name="Id">The trigger.</param>
/// <param name="Last">Its last decision, with the trigger and readings it was made from.</param>
/// <param name="Replicas">Counts over the window, oldest first.</param>
/// <param name="Signals">Each signal of the last decision, in its order, with its samples.</param>
/// <param name="Timeline">Decisions that changed something, newest first.</param>
internal sealed record TriggerSnapshot(TriggerId Id, DecisionMade Last, ReplicaSample[] Replicas, IReadOnlyList<SignalHistory> Signals, TimelineEntry[] Timeline);
