using System.Collections.Immutable;
using System.Globalization;
using Scaler.Decisions.Capacity;

namespace Scaler.Decisions;

/// <summary>
/// Everything the engine needs to know about one scaled workload. Front doors (KEDA external scaler,
/// custom metrics API) parse trigger metadata into this record once and call <see cref="Validate"/>.
/// </summary>
internal sealed record ScalingPolicy
{
    /// <summary>A policy with every default and no signals, to read defaults from.</summary>
    public static ScalingPolicy Defaults { get; } = new() { Signals = [] };

    /// <summary>The signals, in order; at least one unless <see cref="Capacity"/> is set. Ties between proposals go to the earlier signal.</summary>
    public required ImmutableArray<SignalSpec> Signals { get; init; }

    /// <summary>
    /// Sizing to a latency objective from the servers' work counters (<see cref="CapacitySizing"/>), taking part
    /// as one more demand signal named <see cref="CapacitySizing.SignalName"/>; null when off. Default null.
    /// </summary>
    public CapacityPolicy? Capacity { get; init; }

    /// <summary>Lower bound. 0 allows scale to zero. Default 0.</summary>
    public int MinReplicas { get; init; }

    /// <summary>Upper bound. Default 10.</summary>
    public int MaxReplicas { get; init; } = 10;

    /// <summary>Warm replicas kept while inactive, until <see cref="ScaleToZeroAfter"/>. Default 1.</summary>
    public int IdleReplicas { get; init; } = 1;

    /// <summary>How long the workload must be inactive before it drops from the idle tier to <see cref="MinReplicas"/>. Default 15 min.</summary>
    public TimeSpan ScaleToZeroAfter { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Replicas to ask for once a signal has been unknown beyond its staleness limit; null holds the current count. Default null.</summary>
    public int? FallbackReplicas { get; init; }

    /// <summary>Relative band around 1.0 within which a signal keeps the current count. Default 0.1 (HPA).</summary>
    public double Tolerance { get; init; } = 0.1;

    /// <summary>Scale-up behaviour. Default: no stabilization, at most 2 pods per 60 s.</summary>
    public ScalingRules ScaleUp { get; init; } = ScalingRules.DefaultUp;

    /// <summary>Scale-down behaviour. Default: 300 s stabilization, at most 1 pod per 120 s.</summary>
    public ScalingRules ScaleDown { get; init; } = ScalingRules.DefaultDown;

    /// <summary>
    /// How saturation signals take part. Default <see cref="SaturationMode.Ignore"/>: reported in every
    /// explanation, sized by demand; measured on four traces in docs/decisions.md. Use
    /// <see cref="SaturationMode.HoldOnly"/> when the only demand signal excludes in-flight work.
    /// </summary>
    public SaturationMode Saturation { get; init; } = SaturationMode.Ignore;

    /// <summary>
    /// While replicas are warming (not ready), do not scale up again for load that has not grown beyond the
    /// tolerance since the last scale-up. Default true.
    /// </summary>
    public bool WarmingGate { get; init; } = true;

    /// <summary>Every problem with this policy, each naming the field; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Capacity is not null)
        {
            errors.AddRange(Capacity.Validate());
        }

        if (Signals.IsDefaultOrEmpty && Capacity is null)
        {
            errors.Add("signals: at least one signal is required");
        }
        else if (!Signals.IsDefaultOrEmpty)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var signal in Signals)
            {
                if (string.IsNullOrWhiteSpace(signal.Name))
                {
                    errors.Add("signals: every signal needs a name");
                    continue;
                }

                if (!names.Add(signal.Name))
                {
                    errors.Add($"signals.{signal.Name}: the name is used twice");
                }

                if (!(signal.Target > 0) || double.IsInfinity(signal.Target))
                {
                    errors.Add(Invariant($"signals.{signal.Name}.target: must be a positive number, got {signal.Target}"));
                }

                if (!(signal.ActivationThreshold >= 0) || double.IsInfinity(signal.ActivationThreshold))
                {
                    errors.Add(Invariant($"signals.{signal.Name}.activationThreshold: must be 0 or more, got {signal.ActivationThreshold}"));
                }

                if (signal.StalenessLimit <= TimeSpan.Zero)
                {
                    errors.Add($"signals.{signal.Name}.stalenessLimit: must be positive, got {signal.StalenessLimit}");
                }
            }
        }

        if (MinReplicas < 0)
        {
            errors.Add(Invariant($"minReplicas: must be 0 or more, got {MinReplicas}"));
        }

        if (MaxReplicas < 1)
        {
            errors.Add(Invariant($"maxReplicas: must be 1 or more, got {MaxReplicas}"));
        }

        if (MinReplicas > MaxReplicas)
        {
            errors.Add(Invariant($"minReplicas: must not exceed maxReplicas ({MinReplicas} > {MaxReplicas})"));
        }

        if (IdleReplicas < 0 || IdleReplicas > MaxReplicas)
        {
            errors.Add(Invariant($"idleReplicas: must be between 0 and maxReplicas ({MaxReplicas}), got {IdleReplicas}"));
        }

        if (ScaleToZeroAfter < TimeSpan.Zero)
        {
            errors.Add($"scaleToZeroAfter: must not be negative, got {ScaleToZeroAfter}");
        }

        // A fallback of 0 would scale to zero on a failure; unknown is never 0.
        if (FallbackReplicas is { } fallback && (fallback < 1 || fallback > MaxReplicas))
        {
            errors.Add(Invariant($"fallbackReplicas: must be between 1 and maxReplicas ({MaxReplicas}), got {fallback}"));
        }

        if (!(Tolerance >= 0 && Tolerance < 1))
        {
            errors.Add(Invariant($"tolerance: must be in [0, 1), got {Tolerance}"));
        }

        ValidateRules("scaleUp", ScaleUp, errors);
        ValidateRules("scaleDown", ScaleDown, errors);
        return errors;
    }

    private static void ValidateRules(string field, ScalingRules rules, List<string> errors)
    {
        // Same range the HPA API accepts for stabilizationWindowSeconds.
        if (rules.StabilizationWindow < TimeSpan.Zero || rules.StabilizationWindow > TimeSpan.FromHours(1))
        {
            errors.Add($"{field}.stabilizationWindow: must be between 0 and 1h, got {rules.StabilizationWindow}");
        }

        foreach (var limit in rules.Limits.IsDefault ? [] : rules.Limits)
        {
            if (limit.Value <= 0)
            {
                errors.Add(Invariant($"{field}.limits: value must be positive, got {limit.Value}"));
            }

            if (limit.Period <= TimeSpan.Zero || limit.Period > TimeSpan.FromMinutes(30))
            {
                errors.Add($"{field}.limits: period must be between 0 and 30m, got {limit.Period}");
            }
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
