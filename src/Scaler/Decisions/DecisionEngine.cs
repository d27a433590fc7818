using System.Collections.Immutable;
using System.Globalization;

namespace Scaler.Decisions;

/// <summary>
/// The decision engine: a pure function from (policy, readings, replica counts, history, now) to a replica
/// count, an activity flag and an explanation. No I/O, no logging, no clock. Rules and their order are the
/// contract in docs/decisions.md.
/// </summary>
internal static class DecisionEngine
{
    // Proposals are clamped here before bounds so absurd values cannot overflow.
    private const int ProposalCeiling = 1_000_000;

    // Ceil of a ratio that should be an integer (3 × 0.7 / 0.7) must not round up from float noise.
    private const double CeilingSlack = 1e-9;

    /// <summary>
    /// How long the count the engine asked for stands in for the observed one while they differ: the HPA
    /// applies an answer on its next sync (15 s) and the pods appear after it, so a front door that decides
    /// more often than that sees the old count for a while. Past this, the observed count wins (someone
    /// else scaled the workload, or a bound outside the engine holds it).
    /// </summary>
    internal static readonly TimeSpan ApplyWithin = TimeSpan.FromMinutes(2);

    private const int MaxReasonLength = 200;

    public static Decision Decide(ScalingPolicy policy, DecisionInput input, EngineState state)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(state);

        var now = input.Now;
        var current = Math.Max(0, input.Replicas.Current);
        var ready = Math.Clamp(input.Replicas.Ready, 0, current);
        var warming = current - ready;
        var rules = ImmutableArray.CreateBuilder<AppliedRule>();

        // 1. What each signal asks for, with HPA semantics.
        var verdicts = ImmutableArray.CreateBuilder<SignalVerdict>(policy.Signals.Length);
        var unknown = new List<string>();
        var beyondLimit = false;
        var demandActive = false;
        var demandUnknown = false;
        var hasDemand = false;
        foreach (var spec in policy.Signals)
        {
            hasDemand |= spec.Role == SignalRole.Demand;
            var verdict = Judge(spec, Find(input.Readings, spec.Name), now, current, ready, policy.Tolerance, out var beyond);
            verdicts.Add(verdict);
            if (!verdict.Known && Participates(policy, verdict))
            {
                // A reported-only signal (saturation with SaturationMode.Ignore) changes nothing, known or not.
                unknown.Add(spec.Name);
                beyondLimit |= beyond;
                demandUnknown |= spec.Role == SignalRole.Demand;
            }
            else if (spec.Role == SignalRole.Demand && verdict.Value > spec.ActivationThreshold)
            {
                demandActive = true;
            }
        }

        // 2. Combine: the maximum of the participating proposals; saturation takes part per policy.
        var demandShort = verdicts.Any(v => v.Known && v.Role == SignalRole.Demand && v.Proposal > current);
        int? combined = null;
        int? unrestricted = null;
        string? driver = null;
        foreach (var verdict in verdicts)
        {
            if (!verdict.Known || verdict.Proposal is not { } proposal)
            {
                continue;
            }

            var effective = verdict.Role == SignalRole.Demand ? proposal : policy.Saturation switch
            {
                SaturationMode.Max => proposal,
                SaturationMode.HoldOnly => Math.Min(proposal, current),
                SaturationMode.HoldAndAddWithDemand => demandShort ? proposal : Math.Min(proposal, current),
                _ => (int?)null,
            };
            if (policy.Saturation != SaturationMode.Ignore || verdict.Role == SignalRole.Demand)
            {
                unrestricted = Math.Max(unrestricted ?? proposal, proposal);
            }

            if (effective is { } value && (combined is null || value > combined))
            {
                combined = value;
                driver = verdict.Name;
            }
        }

        // No usable signal: hold (the failure rules below say why).
        var result = combined ?? current;
        if (unrestricted > result)
        {
            rules.Add(new AppliedRule(Rule.Saturation, unrestricted.Value, result,
                $"{SaturationName(policy.Saturation)}: saturation signals do not add replicas here"));
        }

        // 3. Warming: replicas on the way count as capacity; no new scale-up for the same load.
        if (policy.WarmingGate && warming > 0 && current > 0 && result > current)
        {
            var grown = verdicts.Any(v => v.Known && v.Proposal > current && Participates(policy, v) &&
                (!TryMark(state, v.Name, out var mark) || v.Value > mark * (1 + policy.Tolerance)));
            if (!grown)
            {
                rules.Add(new AppliedRule(Rule.Warming, result, current,
                    Invariant($"{warming} replica(s) loading; load not above the last scale-up")));
                result = current;
            }
        }

        // 4. Activity and tiers.
        var activity = demandActive || !hasDemand ? Activity.Active
            : demandUnknown ? Activity.Unknown
            : Activity.Inactive;

        // Unknown restarts the idle clock: a workload we cannot see is never counted as idle.
        var inactiveSince = activity == Activity.Inactive ? state.InactiveSince ?? now : (DateTimeOffset?)null;
        var zeroTier = false;

        // The idle tier keeps warm replicas; it never starts new ones for a workload with no work.
        var warm = Math.Min(policy.IdleReplicas, current);
        if (activity == Activity.Active)
        {
            if (result < 1)
            {
                rules.Add(new AppliedRule(Rule.Activation, result, 1, current == 0
                    ? "scale from zero: demand above its activation threshold"
                    : "active workload keeps one replica"));
                result = 1;
            }

            // An active workload keeps at least what it would keep idle, so more load never means fewer replicas.
            if (result < warm)
            {
                rules.Add(new AppliedRule(Rule.IdleTier, result, warm, Invariant($"keeping {warm} warm (idleReplicas)")));
                result = warm;
            }
        }
        else if (activity == Activity.Inactive)
        {
            // Activation wins over the target (KEDA semantics): an inactive workload is never started, and
            // once inactive beyond ScaleToZeroAfter it goes to the minimum whatever the targets say.
            var idleFor = now - inactiveSince!.Value;
            if (current == 0 && result > policy.MinReplicas)
            {
                rules.Add(new AppliedRule(Rule.Activation, result, policy.MinReplicas, "inactive: demand at or below its activation threshold"));
                result = policy.MinReplicas;
            }
            else if (idleFor < policy.ScaleToZeroAfter)
            {
                var idleFloor = Math.Max(policy.MinReplicas, warm);
                if (result < idleFloor)
                {
                    rules.Add(new AppliedRule(Rule.IdleTier, result, idleFloor,
                        Invariant($"inactive {Seconds(idleFor)}; keeping {idleFloor} warm until {Seconds(policy.ScaleToZeroAfter)}")));
                    result = idleFloor;
                }
            }
            else if (result != policy.MinReplicas || current > policy.MinReplicas)
            {
                zeroTier = policy.MinReplicas == 0;
                rules.Add(new AppliedRule(Rule.ScaleToZero, result, policy.MinReplicas,
                    Invariant($"inactive {Seconds(idleFor)} >= {Seconds(policy.ScaleToZeroAfter)}: down to min {policy.MinReplicas}")));
                result = policy.MinReplicas;
            }
        }

        // 5. Failure: an unknown signal never moves replicas down or to zero; beyond its limit, fallback.
        if (unknown.Count > 0)
        {
            var names = string.Join(", ", unknown);
            if (result < current)
            {
                rules.Add(new AppliedRule(Rule.FailureHold, result, current, $"{names} unknown: never scale down"));
                result = current;
            }

            if (beyondLimit && policy.FallbackReplicas is { } fallback && result < fallback)
            {
                rules.Add(new AppliedRule(Rule.Fallback, result, fallback, $"{names} unknown beyond staleness limit"));
                result = fallback;
            }
        }

        var recommendation = result;

        // The count in effect for steps 6 and 7: the engine's own last answer while the HPA is still applying
        // it, else the observed count. Deciding again before the answer shows must neither spend the rate
        // limit twice nor leave the stabilization window from the old count.
        var inEffect = InEffect(state, current, now);
        if (unknown.Count > 0 && inEffect < current)
        {
            // Rule 5 holds over an answer not yet applied: with a signal unknown nothing goes below the observed count.
            inEffect = current;
        }

        // 6. Stabilization (HPA): up takes the lowest recent recommendation, down the highest.
        var recommendations = Prune(state.Recommendations, now, Max(policy.ScaleUp.StabilizationWindow, policy.ScaleDown.StabilizationWindow));
        var stabilized = Stabilize(recommendation, inEffect, recommendations, now, policy);
        if (current == 0 && recommendation > 0)
        {
            // Scale from zero is immediate: the first pending request must not wait for a window.
            stabilized = recommendation;
        }
        else if (zeroTier && recommendation == 0 && inEffect > 0 && unknown.Count == 0)
        {
            // ScaleToZeroAfter is this step's stabilization; rate limits still apply (no N -> 0 jump).
            stabilized = recommendation;
        }

        if (stabilized != recommendation)
        {
            var window = stabilized > recommendation ? policy.ScaleDown.StabilizationWindow : policy.ScaleUp.StabilizationWindow;
            rules.Add(new AppliedRule(Rule.Stabilization, recommendation, stabilized,
                Invariant($"{(stabilized > recommendation ? "down" : "up")} window {Seconds(window)}")));
        }

        // 7. Rate limits (HPA): changes in the last period count against the limit.
        var events = Prune(state.ScaleEvents, now, LongestPeriod(policy));
        var limited = stabilized;
        if (stabilized > inEffect)
        {
            var limit = UpLimit(inEffect, events, now, policy.ScaleUp);
            if (stabilized > limit)
            {
                limited = limit;
                rules.Add(new AppliedRule(Rule.RateLimit, stabilized, limit, "up " + Describe(policy.ScaleUp)));
            }
        }
        else if (stabilized < inEffect)
        {
            var limit = DownLimit(inEffect, events, now, policy.ScaleDown);
            if (stabilized < limit)
            {
                limited = limit;
                rules.Add(new AppliedRule(Rule.RateLimit, stabilized, limit, "down " + Describe(policy.ScaleDown)));
            }
        }

        // 8. Bounds.
        var desired = Math.Clamp(limited, policy.MinReplicas, policy.MaxReplicas);
        if (desired != limited)
        {
            rules.Add(new AppliedRule(Rule.Bounds, limited, desired,
                Invariant($"{(desired > limited ? "min" : "max")} {(desired > limited ? policy.MinReplicas : policy.MaxReplicas)}")));
        }

        var newState = state with
        {
            Recommendations = recommendations.Add(new TimedCount(now, recommendation)),
            // Only a new answer is a change: repeating the last one while the count has not followed (held by a
            // quota, or past ApplyWithin) asks for nothing more, and must not spend the limit again.
            ScaleEvents = desired != inEffect && desired != state.Requested ? events.Add(new TimedCount(now, desired - inEffect)) : events,
            InactiveSince = inactiveSince,
            ScaleUpMarks = desired > current
                ? verdicts.Where(v => v.Known).Select(v => new SignalMark(v.Name, v.Value)).ToImmutableArray()
                : warming == 0 ? [] : state.ScaleUpMarks,
            Requested = desired,
            RequestedFrom = desired == state.Requested ? state.RequestedFrom : current,
            RequestedSince = desired == state.Requested ? state.RequestedSince : now,
        };
        var explanation = new Explanation(current, ready, driver, combined ?? current, desired, verdicts.ToImmutable(), rules.ToImmutable());
        return new Decision(desired, activity, explanation, newState) { UnknownSignals = [.. unknown] };
    }

    /// <summary>
    /// The last answer while the observed count is on its way to it (between the count observed when it was
    /// first asked and the answer) and for at most <see cref="ApplyWithin"/>; else the observed count. A count
    /// outside that range was set by someone else (a manual scale, KEDA's own step to zero): it is the truth.
    /// </summary>
    private static int InEffect(EngineState state, int current, DateTimeOffset now) =>
        state is { Requested: { } asked, RequestedFrom: { } from, RequestedSince: { } since }
            && asked != current
            && current >= Math.Min(from, asked) && current <= Math.Max(from, asked)
            && now - since < ApplyWithin
            ? asked
            : current;

    private static SignalVerdict Judge(SignalSpec spec, SignalReading? reading, DateTimeOffset now, int current, int ready, double tolerance, out bool beyondLimit)
    {
        beyondLimit = false;
        if (reading is not { } r)
        {
            beyondLimit = true;
            return new SignalVerdict(spec.Name, spec.Role, SignalStatus.Unavailable, double.NaN, false, null, "no reading");
        }

        var age = r.ObservedAt is { } at ? now - at : TimeSpan.Zero;
        if (r.Status == SignalStatus.Unavailable)
        {
            beyondLimit = r.ObservedAt is null || age > spec.StalenessLimit;
            return new SignalVerdict(spec.Name, spec.Role, r.Status, double.NaN, false, null,
                WithReason(r.ObservedAt is null ? "unavailable, never observed" : Invariant($"unavailable, last observed {Seconds(age)} ago"), r.Reason));
        }

        if (double.IsNaN(r.Value) || double.IsInfinity(r.Value) || r.Value < 0)
        {
            return new SignalVerdict(spec.Name, spec.Role, r.Status, double.NaN, false, null, "invalid value");
        }

        if (age > spec.StalenessLimit)
        {
            beyondLimit = true;
            return new SignalVerdict(spec.Name, spec.Role, r.Status, double.NaN, false, null,
                WithReason(Invariant($"observed {Seconds(age)} ago, beyond limit {Seconds(spec.StalenessLimit)}"), r.Reason));
        }

        var staleNote = r.Status == SignalStatus.Stale ? WithReason(Invariant($"stale {Seconds(age)}"), r.Reason) : "";
        var (proposal, note) = Propose(spec, r.Value, current, ready, tolerance);
        return new SignalVerdict(spec.Name, spec.Role, r.Status, r.Value, true, proposal, Join(note, staleNote));
    }

    private static (int Proposal, string Note) Propose(SignalSpec spec, double value, int current, int ready, double tolerance)
    {
        if (spec.Kind == SignalKind.Total)
        {
            if (current == 0)
            {
                return (Ceil(value / spec.Target), "");
            }

            var ratio = value / (spec.Target * current);
            return Math.Abs(ratio - 1) <= tolerance ? (current, "(within tolerance)") : (Ceil(value / spec.Target), "");
        }

        // An average needs ready replicas to mean anything; warming ones report nothing yet.
        if (ready == 0)
        {
            return (current, "(no ready replicas)");
        }

        var usage = value / spec.Target;
        if (Math.Abs(usage - 1) <= tolerance)
        {
            return (current, "(within tolerance)");
        }

        var proposal = Ceil(ready * usage);

        // HPA: warming replicas are assumed idle on scale-up, so the direction never flips to down.
        return usage > 1 ? (Math.Max(proposal, current), "") : (proposal, "");
    }

    private static int Stabilize(int recommendation, int current, ImmutableArray<TimedCount> history, DateTimeOffset now, ScalingPolicy policy)
    {
        var up = recommendation;
        var down = recommendation;
        foreach (var rec in history)
        {
            if (rec.At > now - policy.ScaleUp.StabilizationWindow)
            {
                up = Math.Min(up, rec.Count);
            }

            if (rec.At > now - policy.ScaleDown.StabilizationWindow)
            {
                down = Math.Max(down, rec.Count);
            }
        }

        var stabilized = current;
        if (stabilized < up)
        {
            stabilized = up;
        }

        if (stabilized > down)
        {
            stabilized = down;
        }

        return stabilized;
    }

    private static int UpLimit(int current, ImmutableArray<TimedCount> events, DateTimeOffset now, ScalingRules rules)
    {
        if (rules.Select == SelectPolicy.Disabled)
        {
            return current;
        }

        if (rules.Limits.IsDefaultOrEmpty)
        {
            return int.MaxValue;
        }

        var limit = rules.Select == SelectPolicy.Max ? int.MinValue : int.MaxValue;
        foreach (var rate in rules.Limits)
        {
            var periodStart = PeriodStart(current, events, now, rate.Period);
            var proposed = rate.Kind == RateLimitKind.Pods
                ? periodStart + rate.Value
                : (int)Math.Ceiling(periodStart * (1 + (rate.Value / 100.0)));
            limit = rules.Select == SelectPolicy.Max ? Math.Max(limit, proposed) : Math.Min(limit, proposed);
        }

        // A limit never reverses the direction.
        return Math.Max(limit, current);
    }

    private static int DownLimit(int current, ImmutableArray<TimedCount> events, DateTimeOffset now, ScalingRules rules)
    {
        if (rules.Select == SelectPolicy.Disabled)
        {
            return current;
        }

        if (rules.Limits.IsDefaultOrEmpty)
        {
            return 0;
        }

        var limit = rules.Select == SelectPolicy.Max ? int.MaxValue : int.MinValue;
        foreach (var rate in rules.Limits)
        {
            var periodStart = PeriodStart(current, events, now, rate.Period);
            var proposed = rate.Kind == RateLimitKind.Pods
                ? periodStart - rate.Value
                : (int)(periodStart * (1 - (rate.Value / 100.0)));
            limit = rules.Select == SelectPolicy.Max ? Math.Min(limit, proposed) : Math.Max(limit, proposed);
        }

        return Math.Clamp(limit, 0, current);
    }

    private static int PeriodStart(int current, ImmutableArray<TimedCount> events, DateTimeOffset now, TimeSpan period)
    {
        var added = 0;
        var removed = 0;
        foreach (var change in events)
        {
            if (change.At > now - period)
            {
                if (change.Count > 0)
                {
                    added += change.Count;
                }
                else
                {
                    removed -= change.Count;
                }
            }
        }

        return current - added + removed;
    }

    private static bool Participates(ScalingPolicy policy, SignalVerdict verdict) =>
        verdict.Role == SignalRole.Demand || policy.Saturation != SaturationMode.Ignore;

    private static bool TryMark(EngineState state, string name, out double value)
    {
        foreach (var mark in state.ScaleUpMarks)
        {
            if (mark.Name == name)
            {
                value = mark.Value;
                return true;
            }
        }

        value = 0;
        return false;
    }

    private static SignalReading? Find(IReadOnlyList<SignalReading> readings, string name)
    {
        for (var i = 0; i < readings.Count; i++)
        {
            if (string.Equals(readings[i].Name, name, StringComparison.Ordinal))
            {
                return readings[i];
            }
        }

        return null;
    }

    private static ImmutableArray<TimedCount> Prune(ImmutableArray<TimedCount> history, DateTimeOffset now, TimeSpan keep) =>
        history.IsDefaultOrEmpty ? [] : history.RemoveAll(h => h.At <= now - keep);

    private static TimeSpan LongestPeriod(ScalingPolicy policy)
    {
        var longest = TimeSpan.Zero;
        foreach (var rate in policy.ScaleUp.Limits.IsDefault ? [] : policy.ScaleUp.Limits)
        {
            longest = Max(longest, rate.Period);
        }

        foreach (var rate in policy.ScaleDown.Limits.IsDefault ? [] : policy.ScaleDown.Limits)
        {
            longest = Max(longest, rate.Period);
        }

        return longest;
    }

    private static int Ceil(double value) =>
        value >= ProposalCeiling ? ProposalCeiling : (int)Math.Ceiling(value - CeilingSlack);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string Describe(ScalingRules rules) => rules.Select == SelectPolicy.Disabled
        ? "disabled"
        : string.Join(rules.Select == SelectPolicy.Max ? " or " : " and ", rules.Limits.Select(l => l.ToString()));

    private static string SaturationName(SaturationMode mode) => mode switch
    {
        SaturationMode.HoldOnly => "hold-only",
        SaturationMode.HoldAndAddWithDemand => "hold, add only with demand",
        _ => mode.ToString(),
    };

    private static string Seconds(TimeSpan span) => Invariant($"{span.TotalSeconds:0.#}s");

    // The source's words, cut so that one failing upstream cannot fill the explanation.
    private static string WithReason(string note, string? reason) => string.IsNullOrWhiteSpace(reason)
        ? note
        : note + ": " + (reason.Length <= MaxReasonLength ? reason : string.Concat(reason.AsSpan(0, MaxReasonLength - 1), "…"));

    private static string Join(string a, string b) => a.Length == 0 ? b : b.Length == 0 ? a : a + " " + b;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
