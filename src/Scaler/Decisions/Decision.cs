using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Scaler.Decisions;

/// <summary>Replica counts of the scaled workload as the front door sees them.</summary>
/// <param name="Current">Replicas asked for (spec replicas), ready or not.</param>
/// <param name="Ready">Replicas that serve; the rest are warming (loading the model).</param>
internal readonly record struct ReplicaCounts(int Current, int Ready)
{
    public int Warming => Math.Max(0, Current - Ready);
}

/// <summary>One question to the engine. <paramref name="Now"/> is an argument: the engine never reads a clock.</summary>
internal sealed record DecisionInput(DateTimeOffset Now, ReplicaCounts Replicas, IReadOnlyList<SignalReading> Readings);

/// <summary>Whether the workload has work.</summary>
internal enum Activity
{
    /// <summary>A demand signal is above its activation threshold.</summary>
    Active,

    /// <summary>Every demand signal is known and at or below its activation threshold.</summary>
    Inactive,

    /// <summary>No demand signal is above threshold and at least one is unknown. A front door reports "cannot decide".</summary>
    Unknown,
}

/// <summary>The rules that can change the result, in the order the engine applies them.</summary>
internal enum Rule
{
    /// <summary>Replicas are warming and load has not grown since the scale-up that asked for them.</summary>
    Warming,

    /// <summary>A saturation signal was kept from adding replicas (<see cref="ScalingPolicy.Saturation"/>).</summary>
    Saturation,

    /// <summary>Active workload: at least one replica (scale from zero).</summary>
    Activation,

    /// <summary>Inactive workload kept at the idle tier.</summary>
    IdleTier,

    /// <summary>Inactive beyond <see cref="ScalingPolicy.ScaleToZeroAfter"/>: down to the minimum.</summary>
    ScaleToZero,

    /// <summary>A signal is unknown: never move down.</summary>
    FailureHold,

    /// <summary>A signal is unknown beyond its staleness limit: ask for the fallback count.</summary>
    Fallback,

    /// <summary>Stabilization window (scale up or down).</summary>
    Stabilization,

    /// <summary>Rate limit (scale up or down).</summary>
    RateLimit,

    /// <summary>Minimum or maximum replicas.</summary>
    Bounds,
}

/// <summary>A rule that changed the count from <paramref name="From"/> to <paramref name="To"/>.</summary>
internal sealed record AppliedRule(Rule Rule, int From, int To, string Detail);

/// <summary>What one signal said.</summary>
/// <param name="Name">Signal name.</param>
/// <param name="Role">Demand or saturation.</param>
/// <param name="Status">Status of the reading (Unavailable when no reading was given).</param>
/// <param name="Value">The value used; NaN when unknown.</param>
/// <param name="Known">Whether the value was usable (fresh, or stale within its limit).</param>
/// <param name="Proposal">Replicas this signal asks for, before the combination; null when unknown.</param>
/// <param name="Note">Why, in a few words (tolerance, no ready replicas, beyond staleness limit).</param>
internal sealed record SignalVerdict(string Name, SignalRole Role, SignalStatus Status, double Value, bool Known, int? Proposal, string Note);

/// <summary>
/// Why the engine answered what it did: the signal that drove the result and every rule that changed it.
/// <see cref="ToString"/> is the one-line form front doors put in events and logs.
/// </summary>
internal sealed record Explanation(
    int Current,
    int Ready,
    string? DrivingSignal,
    int Combined,
    int Desired,
    ImmutableArray<SignalVerdict> Signals,
    ImmutableArray<AppliedRule> Rules)
{
    /// <summary>Whether a given rule changed the result.</summary>
    public bool Limited(Rule rule) => Rules.Any(r => r.Rule == rule);

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"desired {Desired} (current {Current}, ready {Ready})");
        var driver = DrivingSignal is null ? null : Signals.FirstOrDefault(s => s.Name == DrivingSignal);
        text.Append(driver is null
            ? "; no signal drove it"
            : string.Create(CultureInfo.InvariantCulture, $"; driven by {driver.Name}={driver.Value:0.###} -> {driver.Proposal}"));
        if (Rules.Length > 0)
        {
            text.Append("; limited by ");
            text.AppendJoin(", ", Rules.Select(r => string.Create(CultureInfo.InvariantCulture, $"{Name(r.Rule)} {r.From}->{r.To} ({r.Detail})")));
        }

        var others = Signals.Where(s => s.Name != DrivingSignal).ToList();
        if (others.Count > 0)
        {
            text.Append("; signals ");
            text.AppendJoin(", ", others.Select(s => s.Known
                ? string.Create(CultureInfo.InvariantCulture, $"{s.Name}={s.Value:0.###} -> {s.Proposal}{(s.Note.Length > 0 ? " " + s.Note : "")}")
                : $"{s.Name} unknown ({s.Note})"));
        }

        return text.ToString();
    }

    /// <summary>Kebab-case rule name used in the one-line form.</summary>
    public static string Name(Rule rule) => rule switch
    {
        Rule.Warming => "warming",
        Rule.Saturation => "saturation",
        Rule.Activation => "activation",
        Rule.IdleTier => "idle-tier",
        Rule.ScaleToZero => "scale-to-zero",
        Rule.FailureHold => "failure-hold",
        Rule.Fallback => "fallback",
        Rule.Stabilization => "stabilization",
        Rule.RateLimit => "rate-limit",
        Rule.Bounds => "bounds",
        _ => rule.ToString(),
    };
}

/// <summary>The engine's answer.</summary>
/// <param name="DesiredReplicas">Replicas to run, within [min, max].</param>
/// <param name="Activity">Whether the workload has work (KEDA's IsActive; Unknown maps to "cannot decide").</param>
/// <param name="Explanation">The driving signal and every rule that changed the result.</param>
/// <param name="State">History to pass to the next decision for this workload.</param>
internal sealed record Decision(int DesiredReplicas, Activity Activity, Explanation Explanation, EngineState State)
{
    /// <summary>
    /// The signals that take part in the decision and are unknown (a reported-only signal, saturation under
    /// <see cref="SaturationMode.Ignore"/>, never counts). Non-empty means rule 5 applied: nothing went down.
    /// </summary>
    public ImmutableArray<string> UnknownSignals { get; init; } = [];
}

/// <summary>A count at a time (recommendations, scale events).</summary>
internal readonly record struct TimedCount(DateTimeOffset At, int Count);

/// <summary>A signal value recorded at the last scale-up, for the warming gate.</summary>
internal readonly record struct SignalMark(string Name, double Value);

/// <summary>
/// The engine's memory of one workload: immutable, returned with each decision, passed back with the next.
/// Front doors keep one per workload; the simulator keeps one per policy.
/// </summary>
internal sealed record EngineState
{
    public static EngineState Initial { get; } = new();

    /// <summary>Recommendations (after tiers and failure rules) within the longest stabilization window.</summary>
    public ImmutableArray<TimedCount> Recommendations { get; init; } = [];

    /// <summary>Changes the engine asked for (signed), within the longest rate-limit period.</summary>
    public ImmutableArray<TimedCount> ScaleEvents { get; init; } = [];

    /// <summary>Since when the workload has been inactive; null while active or before the first decision.</summary>
    public DateTimeOffset? InactiveSince { get; init; }

    /// <summary>Signal values at the last scale-up, for the warming gate.</summary>
    public ImmutableArray<SignalMark> ScaleUpMarks { get; init; } = [];

    /// <summary>The count the engine last answered; null before the first decision.</summary>
    public int? Requested { get; init; }

    /// <summary>The observed count when the engine first answered <see cref="Requested"/>.</summary>
    public int? RequestedFrom { get; init; }

    /// <summary>Since when <see cref="Requested"/> has been the answer.</summary>
    public DateTimeOffset? RequestedSince { get; init; }
}
