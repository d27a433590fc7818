using System.Globalization;
using Scaler.Decisions;
using Scaler.Durations;

namespace Scaler.Triggers;

/// <summary>
/// Rate limits as trigger metadata writes them: <c>&lt;pods&gt;/&lt;duration&gt;</c> (<c>2/60s</c>: at most 2
/// pods per 60 s) or <c>&lt;n&gt;%/&lt;duration&gt;</c> (<c>100%/15s</c>), several separated by commas (the one
/// allowing the biggest change wins, as HPA <c>selectPolicy: Max</c>), or <c>none</c> (no limit), or
/// <c>disabled</c> (never scale in this direction).
/// </summary>
internal static class RateLimitText
{
    /// <summary>The longest period the HPA accepts for a policy (1800 s).</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromMinutes(30);

    /// <summary>Parses the text; on failure <paramref name="problem"/> says what is wrong (without repeating the text).</summary>
    public static bool TryParse(string text, out RateLimits limits, out string? problem)
    {
        limits = default;
        problem = null;
        if (string.Equals(text, "none", StringComparison.OrdinalIgnoreCase))
        {
            limits = new RateLimits([], SelectPolicy.Max);
            return true;
        }

        if (string.Equals(text, "disabled", StringComparison.OrdinalIgnoreCase))
        {
            limits = new RateLimits([], SelectPolicy.Disabled);
            return true;
        }

        var parsed = new List<RateLimit>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var slash = part.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0)
            {
                return false;
            }

            var amount = part[..slash].TrimEnd();
            var kind = RateLimitKind.Pods;
            if (amount.EndsWith('%'))
            {
                kind = RateLimitKind.Percent;
                amount = amount[..^1];
            }

            if (!int.TryParse(amount, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                || !DurationText.TryParse(part[(slash + 1)..].TrimStart(), out var period))
            {
                return false;
            }

            if (value < 1)
            {
                problem = "the number of pods or percent must be 1 or more (use 'disabled' to forbid changes)";
                return false;
            }

            if (period <= TimeSpan.Zero || period > MaxPeriod)
            {
                problem = "the period must be more than 0 and at most 30m (the HPA's limit)";
                return false;
            }

            parsed.Add(new RateLimit(kind, value, period));
        }

        limits = new RateLimits([.. parsed], SelectPolicy.Max);
        return true;
    }
}
