namespace Scaler.Decisions.Capacity;

/// <summary>
/// Sizing to a latency objective (docs/decisions.md, "Capacity-aware sizing"): replicas from the work
/// arriving, through a queueing model of each replica, so that the chosen percentile of time to first
/// token stays under the objective. The readings named here come from the servers' own counters.
/// </summary>
internal sealed record CapacityPolicy
{
    /// <summary>Time-to-first-token objective. Default 2 s.</summary>
    public TimeSpan TimeToFirstToken { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The percentile of time to first token held under the objective, in (0, 100). Default 99.</summary>
    public double Percentile { get; init; } = 99;

    /// <summary>Where the estimator starts, and the server's limits. Default <see cref="ServerProfile.Default"/>.</summary>
    public ServerProfile Profile { get; init; } = ServerProfile.Default;

    /// <summary>
    /// Standing capacity for bursts shorter than a start-up: the share of the last
    /// <see cref="BurstLookback"/>'s minutes whose peak arrivals the replicas clear within the objective.
    /// 0 turns it off. Default 0.8.
    /// </summary>
    public double BurstCoverage { get; init; } = 0.8;

    /// <summary>How far back bursts are remembered. Default 30 min.</summary>
    public TimeSpan BurstLookback { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Highest share of a replica's step time the sizing plans for (the rest absorbs noise). Default 0.85.</summary>
    public double MaxUtilization { get; init; } = 0.85;

    /// <summary>Highest KV-cache use the sizing plans for; vLLM preempts at 100%. Default 0.85.</summary>
    public double MaxKvCacheUse { get; init; } = 0.85;

    /// <summary>KV-cache use above which the guard adds replicas whatever the profile says (llm-d: 0.80 + 0.10 spare). Default 0.9.</summary>
    public double KvGuard { get; init; } = 0.9;

    /// <summary>Requests waiting per ready replica above which the guard adds replicas (llm-d's queue default is 5). Default 5.</summary>
    public double QueueGuard { get; init; } = 5;

    /// <summary>The readings the sizing uses, by signal name.</summary>
    public WorkSignalNames Signals { get; init; } = new();

    public IEnumerable<string> Validate()
    {
        if (TimeToFirstToken <= TimeSpan.Zero)
        {
            yield return $"sloTimeToFirstToken: must be positive, got {TimeToFirstToken}";
        }

        if (!(Percentile > 0 && Percentile < 100))
        {
            yield return $"sloPercentile: must be between 0 and 100 (exclusive), got {Percentile}";
        }

        if (!(BurstCoverage >= 0 && BurstCoverage <= 1))
        {
            yield return $"burstCoverage: must be between 0 and 1, got {BurstCoverage}";
        }

        if (!(Profile.StepSeconds > 0 && Profile.TokenSeconds > 0 && Profile.FullCacheSeconds >= 0 && Profile.KvCacheTokens >= 0 && Profile.MaxBatchedTokens >= 1 && Profile.MaxSequences >= 1))
        {
            yield return "profile: step time and token time must be positive, limits 1 or more";
        }
    }
}
