using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Scaler.Decisions;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// Durations as trigger metadata writes them: whole numbers with units <c>h</c>, <c>m</c>, <c>s</c>, <c>ms</c>,
/// largest unit first, each at most once (<c>90s</c>, <c>15m</c>, <c>1h</c>, <c>1m30s</c>, <c>500ms</c>), or
/// a bare <c>0</c>. A bare number other than 0 is refused: KEDA's own fields count seconds, Go durations
/// nanoseconds, so "60" is ambiguous.
/// </summary>
internal static class MetadataDuration
{
    /// <summary>The longest duration accepted (365 days): anything longer is a typo.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(365);

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text == "0")
        {
            return true;
        }

        long totalMs = 0;
        var position = 0;
        var lastRank = int.MaxValue;
        while (position < text.Length)
        {
            var start = position;
            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                position++;
            }

            // At most 9 digits per part: no overflow below, and nothing sensible needs more.
            if (position == start || position - start > 9)
            {
                return false;
            }

            var number = long.Parse(text.AsSpan(start, position - start), NumberStyles.None, CultureInfo.InvariantCulture);
            var unitStart = position;
            while (position < text.Length && char.IsAsciiLetter(text[position]))
            {
                position++;
            }

            (int rank, long unitMs) = text.AsSpan(unitStart, position - unitStart) switch
            {
                "h" => (3, 3_600_000L),
                "m" => (2, 60_000L),
                "s" => (1, 1_000L),
                "ms" => (0, 1L),
                _ => (-1, 0L),
            };
            if (rank < 0 || rank >= lastRank)
            {
                return false;
            }

            lastRank = rank;
            totalMs += number * unitMs;
            if (totalMs > (long)Max.TotalMilliseconds)
            {
                return false;
            }
        }

        duration = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }

    /// <summary>The metadata form of a duration (<c>1m30s</c>, <c>0s</c>), which <see cref="TryParse"/> reads back.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return "0s";
        }

        var builder = new StringBuilder();
        var ms = (long)duration.TotalMilliseconds;
        Append(builder, ms / 3_600_000, "h");
        Append(builder, ms / 60_000 % 60, "m");
        Append(builder, ms / 1_000 % 60, "s");
        Append(builder, ms % 1_000, "ms");
        return builder.ToString();

        static void Append(StringBuilder builder, long value, string unit)
        {
            if (value > 0)
            {
                builder.Append(value.ToString(CultureInfo.InvariantCulture)).Append(unit);
            }
        }
    }
}

/// <summary>
/// Rate limits as trigger metadata writes them: <c>&lt;pods&gt;/&lt;duration&gt;</c> (<c>2/60s</c>: at most 2
/// pods per 60 s) or <c>&lt;n&gt;%/&lt;duration&gt;</c> (<c>100%/15s</c>), several separated by commas (the one
/// allowing the biggest change wins, as HPA <c>selectPolicy: Max</c>), or <c>none</c> (no limit), or
/// <c>disabled</c> (never scale in this direction).
/// </summary>
internal static class MetadataRateLimits
{
    /// <summary>The longest period the HPA accepts for a policy (1800 s).</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromMinutes(30);

    /// <summary>Parses the text; on failure <paramref name="problem"/> says what is wrong (without repeating the text).</summary>
    public static bool TryParse(string text, out ParsedRateLimits limits, out string? problem)
    {
        limits = default;
        problem = null;
        if (string.Equals(text, "none", StringComparison.OrdinalIgnoreCase))
        {
            limits = new ParsedRateLimits([], SelectPolicy.Max);
            return true;
        }

        if (string.Equals(text, "disabled", StringComparison.OrdinalIgnoreCase))
        {
            limits = new ParsedRateLimits([], SelectPolicy.Disabled);
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
                || !MetadataDuration.TryParse(part[(slash + 1)..].TrimStart(), out var period))
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

        limits = new ParsedRateLimits([.. parsed], SelectPolicy.Max);
        return true;
    }
}

/// <summary>Parsed rate limits of one direction.</summary>
internal readonly record struct ParsedRateLimits(ImmutableArray<RateLimit> Limits, SelectPolicy Select);
