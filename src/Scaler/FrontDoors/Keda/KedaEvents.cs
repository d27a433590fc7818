using System.Globalization;
using System.Text;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// Which events a decision change yields (pure: no I/O, no clock). A desired count served to KEDA that
/// differs from the trigger's previous one is a Normal event (<see cref="Activated"/>, <see cref="ScaledUp"/>,
/// <see cref="ScaledDown"/>, <see cref="ScaledToZero"/>); entering "cannot decide" or fallback is one Warning
/// per episode (not one per poll: the change is only raised on a transition). Refused metadata is a Warning
/// naming every problem (<see cref="InvalidMetadata"/>).
/// </summary>
internal static class KedaEvents
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";

    /// <summary>The action of count changes.</summary>
    public const string ScaleAction = "Scale";

    /// <summary>The action of warnings about the decision itself.</summary>
    public const string DecideAction = "Decide";

    /// <summary>The action of warnings about a trigger's metadata.</summary>
    public const string ValidateAction = "Validate";

    /// <summary>0 -> N.</summary>
    public const string Activated = "Activated";

    public const string ScaledUp = "ScaledUp";

    public const string ScaledDown = "ScaledDown";

    /// <summary>N -> 0.</summary>
    public const string ScaledToZero = "ScaledToZero";

    /// <summary>A signal is unknown, no fallback is set, and no known signal asks for more: KEDA gets UNAVAILABLE.</summary>
    public const string CannotDecide = "CannotDecide";

    /// <summary>A signal is unknown beyond its staleness limit and the trigger's <c>fallbackReplicas</c> raised the count.</summary>
    public const string FallbackActive = "FallbackActive";

    /// <summary>KEDA sent trigger metadata the Scaler refuses (INVALID_ARGUMENT): the note names every problem.</summary>
    public const string InvalidMetadata = "InvalidTriggerMetadata";

    /// <summary>The API server's limit on <c>note</c> (events.k8s.io/v1).</summary>
    public const int MaxNoteBytes = 1024;

    public static IEnumerable<DecisionEvent> For(DecisionChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var ((scaledObject, metric), previous, current) = change;
        var explanation = current.Explanation;
        var to = current.DesiredReplicas;

        // A trigger's first decision is compared with the replicas running: a restarted Scaler that asks for
        // what already runs says nothing.
        var from = previous?.DesiredReplicas ?? explanation.Current;
        if (current.CannotDecide && previous?.CannotDecide is not true)
        {
            yield return new DecisionEvent(scaledObject, metric, Warning, CannotDecide, DecideAction,
                Note($"Cannot decide for trigger {metric}; KEDA gets UNAVAILABLE so its own fallback can act: {explanation}"),
                "cannot-decide");
        }

        if (current.InFallback && previous?.InFallback is not true)
        {
            var rule = explanation.Rules.First(r => r.Rule == Decisions.Rule.Fallback);
            yield return new DecisionEvent(scaledObject, metric, Warning, FallbackActive, DecideAction,
                Note(string.Create(CultureInfo.InvariantCulture, $"Fallback to {rule.To} replicas for trigger {metric} ({rule.Detail}): {explanation}")),
                "fallback");
        }

        if (!current.CannotDecide && from != to)
        {
            var reason = to == 0 ? ScaledToZero : from == 0 ? Activated : to > from ? ScaledUp : ScaledDown;
            var driver = explanation.DrivingSignal ?? "none";
            yield return new DecisionEvent(scaledObject, metric, Normal, reason, ScaleAction,
                Note(string.Create(CultureInfo.InvariantCulture, $"Desired replicas {from} -> {to} for trigger {metric}: {explanation}")),
                string.Create(CultureInfo.InvariantCulture, $"{from}->{to} by {driver}"));
        }
    }

    /// <summary>
    /// The Warning a refused metadata yields. It has no trigger name (the metadata did not parse), and the same
    /// problems are the same event: KEDA asking again every polling interval adds to its series count.
    /// </summary>
    public static DecisionEvent For(MetadataRejection rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        var problems = string.Join("; ", rejection.Errors);
        var count = rejection.Errors.Count == 1 ? "1 problem" : string.Create(CultureInfo.InvariantCulture, $"{rejection.Errors.Count} problems");
        return new DecisionEvent(rejection.ScaledObject, "", Warning, InvalidMetadata, ValidateAction,
            Note($"Trigger metadata of ScaledObject {rejection.ScaledObject} refused, KEDA gets INVALID_ARGUMENT and the Scaler does not decide for it ({count}): {problems}"),
            problems);
    }

    /// <summary>Cuts <paramref name="text"/> to <see cref="MaxNoteBytes"/> bytes of UTF-8 on a character boundary, marking the cut.</summary>
    public static string Note(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Encoding.UTF8.GetByteCount(text) <= MaxNoteBytes)
        {
            return text;
        }

        const string Cut = "...";
        var budget = MaxNoteBytes - Cut.Length;
        var length = 0;
        var bytes = 0;
        while (length < text.Length)
        {
            var step = char.IsHighSurrogate(text[length]) && length + 1 < text.Length ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(text.AsSpan(length, step));
            if (bytes + size > budget)
            {
                break;
            }

            bytes += size;
            length += step;
        }

        return string.Concat(text.AsSpan(0, length), Cut);
    }
}
