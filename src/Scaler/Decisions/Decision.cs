using System.Collections.Immutable;

namespace Scaler.Decisions;

/// <summary>The engine's answer for one workload at one time.</summary>
/// <param name="DesiredReplicas">Replicas to run, within [min, max].</param>
/// <param name="Activity">Whether the workload has work (KEDA's IsActive; Unknown maps to "cannot decide").</param>
/// <param name="Explanation">The driving signal and every rule that changed the result.</param>
/// <param name="State">History to pass to the next decision for this workload.</param>
internal sealed record Decision(int DesiredReplicas, Activity Activity, Explanation Explanation, EngineState State)
{
    /// <summary>When it was made (<see cref="DecisionInput.Now"/>).</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>
    /// The signals that take part in the decision and are unknown (a reported-only signal, saturation under
    /// <see cref="SaturationMode.Ignore"/>, never counts). Non-empty means rule 5 applied: nothing went down.
    /// </summary>
    public ImmutableArray<string> UnknownSignals { get; init; } = [];

    /// <summary>
    /// A signal that takes part is unknown, no fallback is set, and no known signal asks for more than the
    /// current count: the engine could only hold. A front door answers "unavailable", never 0, so the
    /// caller's own fallback can act.
    /// </summary>
    public bool CannotDecide { get; init; }

    /// <summary>Whether the fallback count raised the result (a signal unknown beyond its limit).</summary>
    public bool InFallback => Explanation.Limited(Rule.Fallback);

    /// <summary>The one-line explanation.</summary>
    public string Reason => Explanation.ToString();
}
