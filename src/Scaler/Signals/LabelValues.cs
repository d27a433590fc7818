using System.Security.Cryptography;
using System.Text;

namespace Scaler.Signals;

/// <summary>
/// Label values taken from trigger metadata (cache keys, upstreams, ScaledObject names) kept to a bounded
/// length on <c>/metrics</c>: a longer value keeps its first characters and gains a hash of the whole, so two
/// long values stay two series and a megabyte of metadata never becomes a megabyte of scrape.
/// </summary>
internal static class LabelValues
{
    /// <summary>The longest label value written (characters).</summary>
    public const int MaxLength = 128;

    private const int Kept = MaxLength - 18;

    public static string Bounded(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length <= MaxLength)
        {
            return value;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)), 0, 8);
        return $"{value.AsSpan(0, Kept)}…#{hash}";
    }
}
