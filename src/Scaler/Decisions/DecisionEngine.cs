using System.Collections.Immutable;
using System.Globalization;
using Scaler.Decisions.Capacity;

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

    // A work reading older than this is unknown (the signals' default staleness limit).
    private static readonly TimeSpan WorkStaleness = TimeSpan.FromSeconds(60);

    /// <summary>
    /// One decision, as the sequence of rules in docs/decisions.md: each step is a small pure function, and
    /// every step that changes the count says so in the explanation.
    /// </summary>
    public static Decision Decide(ScalingPolicy policy, DecisionInput input, EngineState state)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(state);

        var now = input.Now;
        var replicas = Observe(input.Replicas);
        var rules = ImmutableArray.CreateBuilder<AppliedRule>();

        // 1. What each signal asks for, with HPA semantics; with capacity sizing, what the objective needs.
        var signals = AssessSignals(policy, input.Readings, replicas, now);
        signals = SizeFromWork(policy, input.Readings, replicas, state, now, signals, out var capacity);

        // 2. Combine: the maximum of the participating proposals; saturation takes part per policy.
        var combination = Combine(policy, signals.Explanations, replicas.Current);
        var result = LimitSaturation(policy, combination, replicas.Current, rules);

        // 3. Warming: replicas on the way count as capacity; no new scale-up for the same load.
        result = GateWarming(policy, state, signals.Explanations, replicas, result, rules);

        // 4. Activity and tiers.
        var activity = ActivityOf(signals);

        // Unknown restarts the idle clock: a workload we cannot see is never counted as idle.
        var inactiveSince = activity == Activity.Inactive ? state.InactiveSince ?? now : (DateTimeOffset?)null;
        result = ApplyTiers(policy, activity, replicas.Current, result, now - (inactiveSince ?? now), rules, out var zeroTier);

        // 5. Failure: an unknown signal never moves replicas down or to zero; beyond its limit, fallback.
        var recommendation = HoldOnFailure(policy, signals, replicas.Current, result, rules);

        // The count in effect for steps 6 and 7: the engine's own last answer while the HPA is still applying
        // it, else the observed count. Deciding again before the answer shows must neither spend the rate
        // limit twice nor leave the stabilization window from the old count.
        var unknown = !signals.Unknown.IsEmpty;
        var inEffect = InEffect(state, replicas.Current, now, unknown);

        // 6. Stabilization (HPA): up takes the lowest recent recommendation, down the highest.
        var recommendations = Prune(state.Recommendations, now, Max(policy.ScaleUp.StabilizationWindow, policy.ScaleDown.StabilizationWindow));
        var stabilized = Stabilize(policy, recommendation, inEffect, replicas.Current, recommendations, now, zeroTier && !unknown, rules);
        var takeOverFloor = TakeOverFloor(policy, state, inEffect, now);
        stabilized = HoldAfterTakeOver(policy, stabilized, takeOverFloor, rules);

        // 7. Rate limits (HPA): changes in the last period count against the limit.
        var events = Prune(state.ScaleEvents, now, LongestPeriod(policy));
        var limited = LimitRate(policy, stabilized, inEffect, events, now, rules);

        // 8. Bounds.
        var desired = Bound(policy, limited, rules);

        var explanation = new Explanation(replicas.Current, replicas.Ready, combination.Driver, combination.Combined ?? replicas.Current, desired, signals.Explanations, rules.ToImmutable());
        return new Decision(desired, activity, explanation, NextState(state, signals, replicas, now, recommendations.Add(new TimedCount(now, recommendation)), events, inEffect, inactiveSince, desired) with
        {
            Capacity = capacity,
            TakenOverAt = takeOverFloor is null ? null : state.TakenOverAt,
            TakeOverFloor = takeOverFloor,
        })
        {
            At = now,
            UnknownSignals = signals.Unknown,
            CannotDecide = policy.FallbackReplicas is null && unknown && desired <= replicas.Current,
        };
    }

    /// <summary>The counts as the engine uses them: never negative, never more ready than current.</summary>
    private static ReplicaCounts Observe(ReplicaCounts replicas)
    {
        var current = Math.Max(0, replicas.Current);
        return new ReplicaCounts(current, Math.Clamp(replicas.Ready, 0, current));
    }

    /// <summary>Step 1: every signal judged, and which of those that take part are unknown.</summary>
    private static SignalAssessment AssessSignals(ScalingPolicy policy, IReadOnlyDictionary<string, Reading> readings, ReplicaCounts replicas, DateTimeOffset now)
    {
        var explanations = ImmutableArray.CreateBuilder<SignalExplanation>(policy.Signals.Length);
        ImmutableArray<string>.Builder? unknown = null;
        var beyondLimit = false;
        var demandActive = false;
        var demandUnknown = false;
        var hasDemand = false;
        foreach (var spec in policy.Signals)
        {
            hasDemand |= spec.Role == SignalRole.Demand;
            var explanation = Judge(spec, readings.GetValueOrDefault(spec.Name), now, replicas, policy.Tolerance, out var beyond);
            explanations.Add(explanation);
            if (!explanation.Known && Participates(policy, explanation))
            {
                // A reported-only signal (saturation with SaturationMode.Ignore) changes nothing, known or not.
                (unknown ??= ImmutableArray.CreateBuilder<string>()).Add(spec.Name);
                beyondLimit |= beyond;
                demandUnknown |= spec.Role == SignalRole.Demand;
            }
            else if (spec.Role == SignalRole.Demand && explanation.Value > spec.ActivationThreshold)
            {
                demandActive = true;
            }
        }

        return new SignalAssessment(explanations.MoveToImmutable(), unknown?.ToImmutable() ?? [], beyondLimit, demandActive, demandUnknown, hasDemand);
    }

    /// <summary>
    /// Step 1, capacity sizing (<see cref="CapacitySizing"/>): one more demand signal whose value is the replicas
    /// the objective needs. A hot saturation guard adds replicas and never lets the count fall; unknown work
    /// signals make it unknown, never 0.
    /// </summary>
    private static SignalAssessment SizeFromWork(ScalingPolicy policy, IReadOnlyDictionary<string, Reading> readings, ReplicaCounts replicas, EngineState state, DateTimeOffset now, SignalAssessment signals, out CapacityState? next)
    {
        next = state.Capacity;
        if (policy.Capacity is not { } capacity)
        {
            return signals;
        }

        var names = capacity.Signals;
        double? Value(string name) => readings.GetValueOrDefault(name) is { IsUsable: true } r && r.Value >= 0 &&
            (r.ObservedAt is not { } at || now - at <= WorkStaleness) ? r.Value : null;
        var sample = new WorkSample(now, Value(names.Requests), Value(names.PromptTokens), Value(names.GenerationTokens),
            Value(names.Running), Value(names.Waiting), Value(names.KvCacheUse), Value(names.ArrivalPeak))
        {
            InterTokenSeconds = Value(names.InterTokenSeconds),
            InterTokenCount = Value(names.InterTokenCount),
        };
        var assessment = CapacitySizing.Assess(capacity, sample, replicas, state.Capacity ?? CapacityState.Initial, policy.MaxReplicas);
        next = assessment.State;
        var proposal = assessment.Proposal;
        if (assessment.Guard is { } guard)
        {
            proposal = Math.Max(Math.Max(proposal ?? 0, guard), replicas.Current);
        }

        var note = assessment.Known ? assessment.Note : WithReason(assessment.Note, readings.GetValueOrDefault(names.Requests)?.Reason);
        var explanation = new SignalExplanation(CapacitySizing.SignalName, SignalRole.Demand,
            assessment.Known ? SignalStatus.Fresh : SignalStatus.Unavailable, assessment.Known ? assessment.Required : double.NaN,
            assessment.Known, assessment.Known ? proposal : null, note);
        var last = readings.GetValueOrDefault(names.Requests)?.ObservedAt;
        var beyond = !assessment.Known && (last is null || now - last.Value > WorkStaleness);
        return signals with
        {
            Explanations = signals.Explanations.Add(explanation),
            Unknown = assessment.Known ? signals.Unknown : signals.Unknown.Add(CapacitySizing.SignalName),
            BeyondLimit = signals.BeyondLimit || beyond,
            DemandActive = signals.DemandActive || (assessment.Known && assessment.Active),
            DemandUnknown = signals.DemandUnknown || !assessment.Known,
            HasDemand = true,
        };
    }

    /// <summary>Step 2: the highest participating proposal and the signal that made it.</summary>
    private static Combination Combine(ScalingPolicy policy, ImmutableArray<SignalExplanation> signals, int current)
    {
        var demandShort = signals.Any(s => s.Known && s.Role == SignalRole.Demand && s.Proposal > current);
        int? combined = null;
        int? unrestricted = null;
        string? driver = null;
        foreach (var signal in signals)
        {
            if (!signal.Known || signal.Proposal is not { } proposal)
            {
                continue;
            }

            var effective = signal.Role == SignalRole.Demand ? proposal : policy.Saturation switch
            {
                SaturationMode.Max => proposal,
                SaturationMode.HoldOnly => Math.Min(proposal, current),
                SaturationMode.HoldAndAddWithDemand => demandShort ? proposal : Math.Min(proposal, current),
                _ => (int?)null,
            };
            if (policy.Saturation != SaturationMode.Ignore || signal.Role == SignalRole.Demand)
            {
                unrestricted = Math.Max(unrestricted ?? proposal, proposal);
            }

            if (effective is { } value && (combined is null || value > combined))
            {
                combined = value;
                driver = signal.Name;
            }
        }

        return new Combination(combined, unrestricted, driver);
    }

    /// <summary>Step 2, its rule: no usable signal holds the count; saturation kept from adding replicas is named.</summary>
    private static int LimitSaturation(ScalingPolicy policy, Combination combination, int current, ImmutableArray<AppliedRule>.Builder rules)
    {
        var result = combination.Combined ?? current;
        if (combination.Unrestricted > result)
        {
            rules.Add(new AppliedRule(Rule.Saturation, combination.Unrestricted.Value, result,
                $"{SaturationName(policy.Saturation)}: saturation signals do not add replicas here"));
        }

        return result;
    }

    /// <summary>Step 3: while replicas warm up, a scale-up needs load above what asked for them.</summary>
    private static int GateWarming(ScalingPolicy policy, EngineState state, ImmutableArray<SignalExplanation> signals, ReplicaCounts replicas, int result, ImmutableArray<AppliedRule>.Builder rules)
    {
        var (current, warming) = (replicas.Current, replicas.Warming);
        if (!policy.WarmingGate || warming == 0 || current == 0 || result <= current)
        {
            return result;
        }

        var grown = signals.Any(s => s.Known && s.Proposal > current && Participates(policy, s) &&
            (!TryMark(state, s.Name, out var mark) || s.Value > mark * (1 + policy.Tolerance)));
        if (grown)
        {
            return result;
        }

        rules.Add(new AppliedRule(Rule.Warming, result, current, Invariant($"{warming} replica(s) loading; load not above the last scale-up")));
        return current;
    }

    /// <summary>Step 4: active while demand is above its threshold (or there is no demand signal); unknown when demand is.</summary>
    private static Activity ActivityOf(SignalAssessment signals) =>
        signals.DemandActive || !signals.HasDemand ? Activity.Active
        : signals.DemandUnknown ? Activity.Unknown
        : Activity.Inactive;

    /// <summary>
    /// Step 4, its rules: an active workload runs at least one replica and keeps its warm ones; an inactive one
    /// is never started, keeps its idle tier until <see cref="ScalingPolicy.ScaleToZeroAfter"/>, then goes to the
    /// minimum (<paramref name="zeroTier"/>: down to zero by that rule).
    /// </summary>
    private static int ApplyTiers(ScalingPolicy policy, Activity activity, int current, int result, TimeSpan idleFor, ImmutableArray<AppliedRule>.Builder rules, out bool zeroTier)
    {
        zeroTier = false;

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

            return result;
        }

        if (activity != Activity.Inactive)
        {
            return result;
        }

        // Activation wins over the target (KEDA semantics): an inactive workload is never started, and
        // once inactive beyond ScaleToZeroAfter it goes to the minimum whatever the targets say.
        if (current == 0 && result > policy.MinReplicas)
        {
            rules.Add(new AppliedRule(Rule.Activation, result, policy.MinReplicas, "inactive: demand at or below its activation threshold"));
            return policy.MinReplicas;
        }

        if (idleFor < policy.ScaleToZeroAfter)
        {
            var idleFloor = Math.Max(policy.MinReplicas, warm);
            if (result < idleFloor)
            {
                rules.Add(new AppliedRule(Rule.IdleTier, result, idleFloor,
                    Invariant($"inactive {Seconds(idleFor)}; keeping {idleFloor} warm until {Seconds(policy.ScaleToZeroAfter)}")));
                return idleFloor;
            }

            return result;
        }

        if (result != policy.MinReplicas || current > policy.MinReplicas)
        {
            zeroTier = policy.MinReplicas == 0;
            rules.Add(new AppliedRule(Rule.ScaleToZero, result, policy.MinReplicas,
                Invariant($"inactive {Seconds(idleFor)} >= {Seconds(policy.ScaleToZeroAfter)}: down to min {policy.MinReplicas}")));
            return policy.MinReplicas;
        }

        return result;
    }

    /// <summary>Step 5: with a signal unknown nothing goes down; beyond its staleness limit the fallback count applies.</summary>
    private static int HoldOnFailure(ScalingPolicy policy, SignalAssessment signals, int current, int result, ImmutableArray<AppliedRule>.Builder rules)
    {
        if (signals.Unknown.IsEmpty)
        {
            return result;
        }

        var names = string.Join(", ", signals.Unknown);
        if (result < current)
        {
            rules.Add(new AppliedRule(Rule.FailureHold, result, current, $"{names} unknown: never scale down"));
            result = current;
        }

        if (signals.BeyondLimit && policy.FallbackReplicas is { } fallback && result < fallback)
        {
            rules.Add(new AppliedRule(Rule.Fallback, result, fallback, $"{names} unknown beyond staleness limit"));
            result = fallback;
        }

        return result;
    }

    /// <summary>Step 6: the HPA's stabilization windows, except scale from zero and the zero tier, which are immediate.</summary>
    private static int Stabilize(ScalingPolicy policy, int recommendation, int inEffect, int current, ImmutableArray<TimedCount> recommendations, DateTimeOffset now, bool zeroTier, ImmutableArray<AppliedRule>.Builder rules)
    {
        var stabilized = WithinWindows(recommendation, inEffect, recommendations, now, policy);
        if (current == 0 && recommendation > 0)
        {
            // Scale from zero is immediate: the first pending request must not wait for a window.
            stabilized = recommendation;
        }
        else if (zeroTier && recommendation == 0 && inEffect > 0)
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

        return stabilized;
    }

    /// <summary>
    /// The floor after a take-over (<see cref="EngineState.TakingOver"/>): the count in effect at the first decision,
    /// while a full down-stabilization window since the take-over has not passed; null otherwise.
    /// </summary>
    private static int? TakeOverFloor(ScalingPolicy policy, EngineState state, int inEffect, DateTimeOffset now) =>
        state.TakenOverAt is { } at && now - at < policy.ScaleDown.StabilizationWindow ? state.TakeOverFloor ?? inEffect : null;

    /// <summary>Step 6, after a take-over: nothing below the floor (scale to zero included) until the down window has passed.</summary>
    private static int HoldAfterTakeOver(ScalingPolicy policy, int stabilized, int? floor, ImmutableArray<AppliedRule>.Builder rules)
    {
        if (floor is not { } held || stabilized >= held)
        {
            return stabilized;
        }

        rules.Add(new AppliedRule(Rule.Stabilization, stabilized, held, Invariant($"down window {Seconds(policy.ScaleDown.StabilizationWindow)} since taking over without history")));
        return held;
    }

    /// <summary>Step 7: the HPA's rate limits, counting the changes of the last period.</summary>
    private static int LimitRate(ScalingPolicy policy, int stabilized, int inEffect, ImmutableArray<TimedCount> events, DateTimeOffset now, ImmutableArray<AppliedRule>.Builder rules)
    {
        if (stabilized > inEffect)
        {
            var limit = UpLimit(inEffect, events, now, policy.ScaleUp);
            if (stabilized > limit)
            {
                rules.Add(new AppliedRule(Rule.RateLimit, stabilized, limit, "up " + Describe(policy.ScaleUp)));
                return limit;
            }
        }
        else if (stabilized < inEffect)
        {
            var limit = DownLimit(inEffect, events, now, policy.ScaleDown);
            if (stabilized < limit)
            {
                rules.Add(new AppliedRule(Rule.RateLimit, stabilized, limit, "down " + Describe(policy.ScaleDown)));
                return limit;
            }
        }

        return stabilized;
    }

    /// <summary>Step 8: minimum and maximum replicas.</summary>
    private static int Bound(ScalingPolicy policy, int limited, ImmutableArray<AppliedRule>.Builder rules)
    {
        var desired = Math.Clamp(limited, policy.MinReplicas, policy.MaxReplicas);
        if (desired != limited)
        {
            rules.Add(new AppliedRule(Rule.Bounds, limited, desired,
                Invariant($"{(desired > limited ? "min" : "max")} {(desired > limited ? policy.MinReplicas : policy.MaxReplicas)}")));
        }

        return desired;
    }

    /// <summary>What the next decision for this workload needs to know.</summary>
    private static EngineState NextState(EngineState state, SignalAssessment signals, ReplicaCounts replicas, DateTimeOffset now, ImmutableArray<TimedCount> recommendations, ImmutableArray<TimedCount> events, int inEffect, DateTimeOffset? inactiveSince, int desired) => state with
    {
        Recommendations = recommendations,

        // Only a new answer is a change: repeating the last one while the count has not followed (held by a
        // quota, or past ApplyWithin) asks for nothing more, and must not spend the limit again.
        ScaleEvents = desired != inEffect && desired != state.Requested ? events.Add(new TimedCount(now, desired - inEffect)) : events,
        InactiveSince = inactiveSince,
        ScaleUpMarks = desired > replicas.Current
            ? signals.Explanations.Where(s => s.Known).Select(s => new SignalMark(s.Name, s.Value)).ToImmutableArray()
            : replicas.Warming == 0 ? [] : state.ScaleUpMarks,
        Requested = desired,
        RequestedFrom = desired == state.Requested ? state.RequestedFrom : replicas.Current,
        RequestedSince = desired == state.Requested ? state.RequestedSince : now,
    };

    /// <summary>
    /// The last answer while the observed count is on its way to it (between the count observed when it was
    /// first asked and the answer) and for at most <see cref="ApplyWithin"/>; else the observed count. A count
    /// outside that range was set by someone else (a manual scale, KEDA's own step to zero): it is the truth.
    /// </summary>
    /// <remarks>With a signal unknown nothing goes below the observed count (rule 5 holds over an answer not yet applied).</remarks>
    private static int InEffect(EngineState state, int current, DateTimeOffset now, bool signalUnknown)
    {
        var inEffect = state is { Requested: { } asked, RequestedFrom: { } from, RequestedSince: { } since }
            && asked != current
            && current >= Math.Min(from, asked) && current <= Math.Max(from, asked)
            && now - since < ApplyWithin
            ? asked
            : current;
        return signalUnknown && inEffect < current ? current : inEffect;
    }

    private static SignalExplanation Judge(SignalSpec spec, Reading? reading, DateTimeOffset now, ReplicaCounts replicas, double tolerance, out bool beyondLimit)
    {
        beyondLimit = false;
        if (reading is not { } r)
        {
            beyondLimit = true;
            return new SignalExplanation(spec.Name, spec.Role, SignalStatus.Unavailable, double.NaN, false, null, "no reading");
        }

        var age = r.ObservedAt is { } at ? now - at : TimeSpan.Zero;
        if (r.Status == SignalStatus.Unavailable)
        {
            beyondLimit = r.ObservedAt is null || age > spec.StalenessLimit;
            return new SignalExplanation(spec.Name, spec.Role, r.Status, double.NaN, false, null,
                WithReason(r.ObservedAt is null ? "unavailable, never observed" : Invariant($"unavailable, last observed {Seconds(age)} ago"), r.Reason));
        }

        if (double.IsNaN(r.Value) || double.IsInfinity(r.Value) || r.Value < 0)
        {
            return new SignalExplanation(spec.Name, spec.Role, r.Status, double.NaN, false, null, "invalid value");
        }

        if (age > spec.StalenessLimit)
        {
            beyondLimit = true;
            return new SignalExplanation(spec.Name, spec.Role, r.Status, double.NaN, false, null,
                WithReason(Invariant($"observed {Seconds(age)} ago, beyond limit {Seconds(spec.StalenessLimit)}"), r.Reason));
        }

        var staleNote = r.Status == SignalStatus.Stale ? WithReason(Invariant($"stale {Seconds(age)}"), r.Reason) : "";
        var (proposal, note) = Propose(spec, r.Value, replicas.Current, replicas.Ready, tolerance);
        return new SignalExplanation(spec.Name, spec.Role, r.Status, r.Value, true, proposal, Join(note, staleNote));
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

    private static int WithinWindows(int recommendation, int current, ImmutableArray<TimedCount> history, DateTimeOffset now, ScalingPolicy policy)
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

    private static bool Participates(ScalingPolicy policy, SignalExplanation signal) =>
        signal.Role == SignalRole.Demand || policy.Saturation != SaturationMode.Ignore;

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

    /// <summary>Step 1's result: each signal judged; the unknown ones that take part; what they say about activity.</summary>
    private readonly record struct SignalAssessment(ImmutableArray<SignalExplanation> Explanations, ImmutableArray<string> Unknown, bool BeyondLimit, bool DemandActive, bool DemandUnknown, bool HasDemand);

    /// <summary>Step 2's result: the combined proposal, what saturation alone would have asked, and the driving signal.</summary>
    private readonly record struct Combination(int? Combined, int? Unrestricted, string? Driver);
}
