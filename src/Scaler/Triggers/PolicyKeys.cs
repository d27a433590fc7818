using System.Collections.Immutable;
using Scaler.Decisions;
using Scaler.Durations;
using Scaler.Signals.Keys;

namespace Scaler.Triggers;

/// <summary>
/// The policy keys of a trigger (bounds, tiers, stabilization, rate limits, fallback, staleness): the part of
/// the metadata every trigger has, whatever its signals. Reads them into a <see cref="ScalingPolicy"/> and turns
/// the engine's own validation errors back into key names.
/// </summary>
internal static class PolicyKeys
{
    public const string MinReplicas = "minReplicas";
    public const string MaxReplicas = "maxReplicas";
    public const string IdleReplicas = "idleReplicas";
    public const string ScaleToZeroAfter = "scaleToZeroAfter";
    public const string ScaleUpStabilization = "scaleUpStabilization";
    public const string ScaleDownStabilization = "scaleDownStabilization";
    public const string ScaleUpLimit = "scaleUpLimit";
    public const string ScaleDownLimit = "scaleDownLimit";
    public const string FallbackReplicas = "fallbackReplicas";
    public const string StaleAfter = "staleAfter";

    public static IReadOnlyList<TriggerKey> Keys { get; } =
    [
        Policy(MinReplicas, "whole ≥ 0", "`0`", "1", "Lower bound; 0 allows scale to zero.", "a whole number 0 or more such as 0", "minReplicaCount"),
        Policy(MaxReplicas, "whole ≥ 1", "`10`", "16", "Upper bound.", "a whole number 1 or more such as 10", "maxReplicaCount"),
        Policy(IdleReplicas, "whole 0..max", "`1`", "1", "Warm replicas kept while inactive, until `scaleToZeroAfter`. (Not KEDA's `idleReplicaCount`.)", "a whole number 0 or more such as 1", "idleReplicaCount"),
        Policy(ScaleToZeroAfter, "duration", "`15m`", "30m", "Inactivity before dropping from the idle tier to `minReplicas`.", DurationText.Form),
        Policy(ScaleUpStabilization, "duration 0–1h", "`0s`", "30s", "HPA-style: the lowest recommendation in the window wins.", "a duration from 0s to 1h such as 0s, 2m or 1.5m"),
        Policy(ScaleDownStabilization, "duration 0–1h", "`5m`", "10m", "HPA-style: the highest recommendation in the window wins.", "a duration from 0s to 1h such as 5m"),
        Policy(ScaleUpLimit, "limits", "`2/60s`", "4/15s,100%/15s", "At most N pods (`2/60s`) or N percent (`100%/15s`) per period (≤ 30m); several: the most permissive wins; `none`; `disabled`.", "<pods>/<duration> such as 2/60s, or <percent>%/<duration> such as 100%/15s, several separated by commas, or none, or disabled"),
        Policy(ScaleDownLimit, "limits", "`1/120s`", "1/2m", "Same, downwards.", "<pods>/<duration> such as 1/120s, or <percent>%/<duration> such as 50%/60s, several separated by commas, or none, or disabled"),
        Policy(FallbackReplicas, "whole 1..max", "none (hold)", "2", "Asked for once a signal is unknown beyond `staleAfter`. Without it, a decision that an unknown signal could change is answered `UNAVAILABLE` (with the reason) so KEDA's own `fallback` acts, while known signals may still scale up. 0 is refused (unknown is never 0).", "a whole number 1 or more such as 2"),
        Policy(StaleAfter, "duration > 0", "`60s`", "2m", "How old a signal's last good value may be and still be used (every signal); beyond it `fallbackReplicas` applies. The signal cache drops a value sooner if its source's `UnavailableAfter` is shorter (`Signals:<source>:UnavailableAfter`, 60 s): a `staleAfter` above that only delays the fallback.", "a positive duration such as 60s or 2m"),
    ];

    /// <summary>How old a signal's last good value may be (<c>staleAfter</c>); the engine's default when absent.</summary>
    public static TimeSpan ReadStaleAfter(TriggerMetadataReader metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var staleAfter = metadata.Duration(StaleAfter) ?? SignalSpec.DefaultStalenessLimit;
        if (staleAfter <= TimeSpan.Zero && !metadata.Failed(StaleAfter))
        {
            metadata.Expected(StaleAfter);
        }

        return staleAfter;
    }

    /// <summary>
    /// The policy: <paramref name="signals"/> in order, the policy keys, the saturation mode and capacity sizing a
    /// source set. With capacity sizing the scaling rules default to Kubernetes' own (up 4 pods or 100% per
    /// 15 s behind the warming gate, down after 300 s): the requirement already counts warming replicas.
    /// </summary>
    public static ScalingPolicy Read(TriggerMetadataReader metadata, ImmutableArray<SignalSpec> signals, SaturationMode? saturation, Decisions.Capacity.CapacityPolicy? capacity = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var defaults = capacity is null
            ? ScalingPolicy.Defaults
            : ScalingPolicy.Defaults with { ScaleUp = ScalingRules.KubernetesUp, ScaleDown = ScalingRules.KubernetesDown };
        var minReplicas = metadata.Whole(MinReplicas, 0);
        var maxReplicas = metadata.Whole(MaxReplicas, 1);
        var idleReplicas = metadata.Whole(IdleReplicas, 0);
        var fallbackReplicas = metadata.Whole(FallbackReplicas, 1);
        var scaleToZeroAfter = metadata.Duration(ScaleToZeroAfter);
        return defaults with
        {
            Signals = signals,
            MinReplicas = minReplicas ?? defaults.MinReplicas,
            MaxReplicas = maxReplicas ?? defaults.MaxReplicas,
            IdleReplicas = idleReplicas ?? defaults.IdleReplicas,
            FallbackReplicas = fallbackReplicas ?? defaults.FallbackReplicas,
            ScaleToZeroAfter = scaleToZeroAfter ?? defaults.ScaleToZeroAfter,
            ScaleUp = Rules(metadata, ScaleUpStabilization, ScaleUpLimit, defaults.ScaleUp),
            ScaleDown = Rules(metadata, ScaleDownStabilization, ScaleDownLimit, defaults.ScaleDown),
            Saturation = saturation ?? defaults.Saturation,
            Capacity = capacity,
        };
    }

    /// <summary>
    /// The engine's own validation, with its field names turned into keys. Single-field problems were reported
    /// with the user's text already; what is left is cross-field (minReplicas > maxReplicas, ...). A cross-field
    /// error is left out when one of its keys already failed: it would compare against a default.
    /// </summary>
    public static void Validate(TriggerMetadataReader metadata, ScalingPolicy policy, IReadOnlyList<ParsedSignal> signals)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(policy);
        foreach (var error in policy.Validate())
        {
            var colon = error.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? error : error[..colon];
            var rest = colon < 0 ? "" : error[colon..];
            (string key, string[] involved) = field switch
            {
                "minReplicas" => (MinReplicas, new[] { MinReplicas, MaxReplicas }),
                "maxReplicas" => (MaxReplicas, new[] { MaxReplicas }),
                "idleReplicas" => (IdleReplicas, new[] { IdleReplicas, MaxReplicas }),
                "fallbackReplicas" => (FallbackReplicas, new[] { FallbackReplicas, MaxReplicas }),
                "scaleToZeroAfter" => (ScaleToZeroAfter, new[] { ScaleToZeroAfter }),
                "scaleUp.stabilizationWindow" => (ScaleUpStabilization, new[] { ScaleUpStabilization }),
                "scaleDown.stabilizationWindow" => (ScaleDownStabilization, new[] { ScaleDownStabilization }),
                "scaleUp.limits" => (ScaleUpLimit, new[] { ScaleUpLimit }),
                "scaleDown.limits" => (ScaleDownLimit, new[] { ScaleDownLimit }),
                _ when field.EndsWith(".stalenessLimit", StringComparison.Ordinal) => (StaleAfter, new[] { StaleAfter }),
                _ when SignalKey(field, ".activationThreshold", signals, s => s.ActivationKey) is { } activation => (activation, new[] { activation }),
                _ when SignalKey(field, ".target", signals, s => s.TargetKey) is { } target => (target, new[] { target }),
                _ => (field, Array.Empty<string>()),
            };
            if (field == "signals" && metadata.Errors.Count > 0)
            {
                continue; // "at least one signal": already reported with our keys, or a signal failed to parse.
            }

            if (!metadata.Failed(involved))
            {
                metadata.Fail(key, rest.TrimStart(':', ' '));
            }
        }
    }

    // "signals.<name>.target" -> the key that set it.
    private static string? SignalKey(string field, string suffix, IReadOnlyList<ParsedSignal> signals, Func<ParsedSignal, string?> key) =>
        field.StartsWith("signals.", StringComparison.Ordinal) && field.EndsWith(suffix, StringComparison.Ordinal)
            ? signals.FirstOrDefault(s => s.Spec.Name == field["signals.".Length..^suffix.Length]) is { } signal ? key(signal) : null
            : null;

    private static ScalingRules Rules(TriggerMetadataReader metadata, string windowKey, string limitKey, ScalingRules defaults)
    {
        var window = metadata.Duration(windowKey);
        if (window > TimeSpan.FromHours(1))
        {
            metadata.Expected(windowKey);
        }

        var rules = defaults with { StabilizationWindow = window ?? defaults.StabilizationWindow };
        if (metadata.Text(limitKey) is not { Length: > 0 } limitText)
        {
            return rules;
        }

        if (RateLimitText.TryParse(limitText, out var limits, out var problem))
        {
            return rules with { Limits = limits.Limits, Select = limits.Select };
        }

        if (problem is null)
        {
            metadata.Expected(limitKey);
        }
        else
        {
            metadata.Fail(limitKey, $"{problem}; expected {metadata.Form(limitKey)}, got '{TriggerMetadataReader.Shown(limitText)}'");
        }

        return rules;
    }

    private static TriggerKey Policy(string name, string type, string @default, string example, string meaning, string form, params string[] habits) =>
        new(name, type, @default, example, meaning, form) { Section = TriggerKeySection.Policy, Habits = habits };
}
