using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace Scaler.Decisions;

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
    ImmutableArray<SignalExplanation> Signals,
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
            : string.Create(CultureInfo.InvariantCulture, $"; driven by {driver.Name}={driver.Value:0.###} -> {driver.Proposal}{(driver.Name == Capacity.CapacitySizing.SignalName && driver.Note.Length > 0 ? " (" + driver.Note + ")" : "")}"));
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
