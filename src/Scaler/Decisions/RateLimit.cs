using System.Globalization;

namespace Scaler.Decisions;

/// <summary>One rate limit: at most <paramref name="Value"/> pods (or percent) per <paramref name="Period"/>.</summary>
internal sealed record RateLimit(RateLimitKind Kind, int Value, TimeSpan Period)
{
    public override string ToString() => Kind == RateLimitKind.Pods
        ? string.Create(CultureInfo.InvariantCulture, $"{Value} pods per {Period.TotalSeconds:0.#}s")
        : string.Create(CultureInfo.InvariantCulture, $"{Value}% per {Period.TotalSeconds:0.#}s");
}
