using Scaler.Decisions;
using Scaler.Triggers;

namespace Scaler.FrontDoors.Keda;

/// <summary>One decision as the engine made it: the trigger it was for, the answer, and the readings it decided on (by signal or input name).</summary>
internal sealed record DecisionMade(Trigger Trigger, Decision Decision, IReadOnlyDictionary<string, Reading> Readings);
