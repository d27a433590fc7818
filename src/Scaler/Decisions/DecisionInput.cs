namespace Scaler.Decisions;

/// <summary>One question to the engine. <paramref name="Now"/> is an argument: the engine never reads a clock.</summary>
/// <param name="Now">The time of the decision.</param>
/// <param name="Replicas">The workload's replica counts.</param>
/// <param name="Readings">The latest reading of each signal, by <see cref="SignalSpec.Name"/>; a missing one is unavailable.</param>
internal sealed record DecisionInput(DateTimeOffset Now, ReplicaCounts Replicas, IReadOnlyDictionary<string, Reading> Readings);
