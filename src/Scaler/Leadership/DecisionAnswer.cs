using Scaler.Decisions;

namespace Scaler.Leadership;

/// <summary>
/// A decision as every front door serves it, made here or by the leader: the desired count, whether the
/// workload is active, or that no decision can be made, with why. Every replica gives the leader's answer.
/// </summary>
/// <param name="DesiredReplicas">The engine's desired count (meaningless while <paramref name="CannotDecide"/>).</param>
/// <param name="Active">The engine wants at least one replica.</param>
/// <param name="CannotDecide">No answer may be served: a signal is unknown with no fallback, or no leader answered.</param>
/// <param name="Reason">The explanation, or why there is no answer.</param>
/// <param name="At">When the decision was made.</param>
/// <param name="DecidedBy">The replica that decided (its pod name; "this process" without an election).</param>
internal sealed record DecisionAnswer(int DesiredReplicas, bool Active, bool CannotDecide, string Reason, DateTimeOffset At, string DecidedBy)
{
    public static DecisionAnswer From(Decision decision, string decidedBy)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new(decision.DesiredReplicas, decision.DesiredReplicas > 0, decision.CannotDecide, decision.Reason, decision.At, decidedBy);
    }

    public static DecisionAnswer Unavailable(string reason, DateTimeOffset at, string decidedBy) => new(0, false, true, reason, at, decidedBy);
}
