namespace Scaler.Decisions;

/// <summary>How a rate limit counts change (HPA <c>behavior</c> policy types).</summary>
internal enum RateLimitKind
{
    /// <summary>At most <see cref="RateLimit.Value"/> pods per period.</summary>
    Pods,

    /// <summary>At most <see cref="RateLimit.Value"/> percent of the count at the start of the period.</summary>
    Percent,
}
