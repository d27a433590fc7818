using System.Security.Cryptography;
using System.Text;

namespace Scaler.Triggers;

/// <summary>
/// A trigger's metric name: <c>scaler-&lt;namespace&gt;-&lt;name&gt;-&lt;hash&gt;</c>, lower case, at most
/// <see cref="MaxLength"/> characters of <c>[a-z0-9-]</c>. It is the HPA's metric name, so it must not change
/// with a tuning edit.
/// </summary>
internal static class MetricNames
{
    /// <summary>
    /// The longest metric name returned: KEDA prefixes <c>s&lt;trigger index&gt;-</c> (reference keda.md 2.3), so
    /// 58 leaves the HPA's name within 63 characters (a DNS label) for up to 100 triggers.
    /// </summary>
    public const int MaxLength = 58;

    /// <summary>
    /// The name for a trigger of <paramref name="scaledObject"/>. The hash covers the scaled object and what the
    /// trigger reads (<paramref name="reads"/>: signal names, queue, query; never a host or token), so names stay
    /// distinct after shortening and for two triggers of one ScaledObject reading different things, and stay the
    /// same when only targets or policy change.
    /// </summary>
    public static string For(ScaledObjectKey scaledObject, IEnumerable<string> reads)
    {
        ArgumentNullException.ThrowIfNull(scaledObject);
        ArgumentNullException.ThrowIfNull(reads);

        var identity = new StringBuilder().Append(scaledObject.Namespace).Append('\n').Append(scaledObject.Name);
        foreach (var item in reads)
        {
            identity.Append('\n').Append(item);
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToString())).AsSpan(0, 4));
        const string Prefix = "scaler-";
        var readable = Slug($"{scaledObject.Namespace}-{scaledObject.Name}");
        var room = MaxLength - Prefix.Length - 1 - hash.Length;
        if (readable.Length > room)
        {
            readable = readable[..room].TrimEnd('-');
        }

        return readable.Length == 0 ? Prefix + hash : $"{Prefix}{readable}-{hash}";
    }

    // Lower-case [a-z0-9-], runs of anything else become one '-'.
    private static string Slug(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var lower = char.ToLowerInvariant(c);
            if (char.IsAsciiLetterLower(lower) || char.IsAsciiDigit(lower))
            {
                builder.Append(lower);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }

        return builder.ToString().Trim('-');
    }
}
