using System.Globalization;
using System.Text;

namespace Scaler.Durations;

/// <summary>
/// The product's one way to write a duration, in trigger metadata, settings and <c>simulate</c>: numbers with
/// units <c>h</c>, <c>m</c>, <c>s</c>, <c>ms</c>, largest unit first, each at most once, a number with a decimal
/// fraction allowed (<c>90s</c>, <c>15m</c>, <c>1h30m</c>, <c>1.5m</c>, <c>500ms</c>), or a bare <c>0</c>. A bare
/// number other than 0 is refused: KEDA's own fields count seconds, Go durations nanoseconds, and .NET's
/// <c>TimeSpan</c> days, so "60" is ambiguous. Never negative, at most <see cref="Max"/>.
/// </summary>
internal static class DurationText
{
    /// <summary>What error messages show as the expected form.</summary>
    public const string Form = "a duration such as 90s, 15m, 1h30m, 1.5m or 500ms";

    /// <summary>The longest duration accepted (365 days): anything longer is a typo.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(365);

    // At most this many digits in one number: no overflow, and nothing sensible needs more.
    private const int MaxDigits = 12;

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

        decimal totalTicks = 0;
        var position = 0;
        var lastRank = int.MaxValue;
        while (position < text.Length)
        {
            if (!TryReadNumber(text, ref position, out var number))
            {
                return false;
            }

            var unitStart = position;
            while (position < text.Length && char.IsAsciiLetter(text[position]))
            {
                position++;
            }

            (int rank, long unitTicks) = text.AsSpan(unitStart, position - unitStart) switch
            {
                "h" => (3, TimeSpan.TicksPerHour),
                "m" => (2, TimeSpan.TicksPerMinute),
                "s" => (1, TimeSpan.TicksPerSecond),
                "ms" => (0, TimeSpan.TicksPerMillisecond),
                _ => (-1, 0L),
            };
            if (rank < 0 || rank >= lastRank)
            {
                return false;
            }

            lastRank = rank;
            totalTicks += number * unitTicks;
            if (totalTicks > Max.Ticks)
            {
                return false;
            }
        }

        duration = TimeSpan.FromTicks((long)Math.Round(totalTicks, MidpointRounding.AwayFromZero));
        return true;
    }

    /// <summary>The shortest whole-unit form of a duration (<c>1m30s</c>, <c>500ms</c>, <c>0s</c>), which <see cref="TryParse"/> reads back.</summary>
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
        return builder.Length == 0 ? "0s" : builder.ToString();

        static void Append(StringBuilder builder, long value, string unit)
        {
            if (value > 0)
            {
                builder.Append(value.ToString(CultureInfo.InvariantCulture)).Append(unit);
            }
        }
    }

    // Digits, then optionally '.' and digits: "15", "1.5". No sign, no exponent, no leading '.'.
    private static bool TryReadNumber(string text, ref int position, out decimal number)
    {
        number = 0;
        var start = position;
        var digits = 0;
        var point = false;
        while (position < text.Length && (char.IsAsciiDigit(text[position]) || (text[position] == '.' && !point && digits > 0)))
        {
            point |= text[position] == '.';
            digits += text[position] == '.' ? 0 : 1;
            position++;
        }

        if (digits == 0 || digits > MaxDigits || text[position - 1] == '.')
        {
            return false;
        }

        number = decimal.Parse(text.AsSpan(start, position - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        return true;
    }
}
