using Scaler.Decisions;

namespace Scaler.FrontDoors.Keda;

/// <summary>A decision as the explanation endpoint serves it; <see cref="MetricName"/> names the trigger.</summary>
internal sealed record DecisionView(
    string Namespace,
    string Name,
    string MetricName,
    DateTimeOffset At,
    int DesiredReplicas,
    int CurrentReplicas,
    int ReadyReplicas,
    string Activity,
    bool CannotDecide,
    string? DrivingSignal,
    string[] Rules,
    string Explanation)
{
    /// <summary>Per ScaledObject: every trigger's decision; null (left out) in lists and inside itself.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public DecisionView[]? Triggers { get; init; }

    public static DecisionView From(TriggerId trigger, Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return new(
            trigger.ScaledObject.Namespace,
            trigger.ScaledObject.Name,
            trigger.MetricName,
            decision.At,
            decision.DesiredReplicas,
            decision.Explanation.Current,
            decision.Explanation.Ready,
            decision.Activity.ToString(),
            decision.CannotDecide,
            decision.Explanation.DrivingSignal,
            [.. decision.Explanation.Rules.Select(r => Decisions.Explanation.Name(r.Rule))],
            decision.Reason);
    }
}
