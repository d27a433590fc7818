using System.Globalization;

namespace Scaler.FrontDoors.MetricsApi;

/// <summary>
/// Kubernetes' <c>Quantity</c> in canonical decimal-SI form (apimachinery <c>resource.Quantity</c>): no fractional
/// digits, the largest suffix of n, u, m, "", k, M, G, T, P, E whose mantissa stays whole, a sign only when
/// negative; finer than nano rounds away from zero. 1.5 is <c>1500m</c>, 0.73 <c>730m</c>, 10 <c>10</c>,
/// 2000 <c>2k</c>, 1500 <c>1500</c>. The HPA reads every value as milli-units.
/// </summary>
internal static class Quantity
{
    private static readonly string[] Suffixes = ["n", "u", "m", "", "k", "M", "G", "T", "P", "E"];

    /// <summary>The canonical text of <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">NaN or infinite: an unknown value has no quantity.</exception>
    public static string Format(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "an unknown value has no quantity");
        }

        // decimal holds 28 digits: nano-units of anything a metric here reports (bytes of a GPU, counts) fit.
        var clamped = Math.Clamp(value, -9e18, 9e18);
        var nanos = (decimal)clamped * 1_000_000_000m;
        nanos = nanos >= 0 ? decimal.Ceiling(nanos) : decimal.Floor(nanos);
        if (nanos == 0)
        {
            return "0";
        }

        var negative = nanos < 0;
        var mantissa = Math.Abs(nanos);
        var exponent = -9;
        while (mantissa % 10 == 0)
        {
            mantissa /= 10;
            exponent++;
        }

        while (exponent % 3 != 0)
        {
            mantissa *= 10;
            exponent--;
        }

        while (exponent > 18)
        {
            mantissa *= 1000;
            exponent -= 3;
        }

        var text = mantissa.ToString("0", CultureInfo.InvariantCulture) + Suffixes[(exponent + 9) / 3];
        return negative ? "-" + text : text;
    }
}
