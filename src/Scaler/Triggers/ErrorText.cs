using System.Globalization;
using System.Text;

namespace Scaler.Triggers;

/// <summary>
/// One rule for how much of the caller's input an error repeats, for every key and every front door: a value
/// is quoted to at most <see cref="MaxQuoted"/> characters, one error is cut at <see cref="MaxError"/>, and the
/// whole answer lists at most <see cref="MaxListed"/> errors within <see cref="MaxMessage"/> characters, so an
/// error never grows with the input (a gRPC status message travels in a header, and a 64 KiB one makes clients
/// drop the whole shared connection).
/// </summary>
internal static class ErrorText
{
    /// <summary>The most of one value an error repeats.</summary>
    public const int MaxQuoted = 80;

    /// <summary>The longest single error.</summary>
    public const int MaxError = 600;

    /// <summary>The most errors one answer lists.</summary>
    public const int MaxListed = 20;

    /// <summary>The longest answer (status message) made of errors.</summary>
    public const int MaxMessage = 4000;

    /// <summary>At most <paramref name="max"/> characters of <paramref name="value"/>; longer ones end "… (N characters)".</summary>
    public static string Quote(string? value, int max = MaxQuoted)
    {
        value ??= "";
        return value.Length <= max
            ? value
            : string.Create(CultureInfo.InvariantCulture, $"{value.AsSpan(0, max)}… ({value.Length} characters)");
    }

    /// <summary>One error, at most <see cref="MaxError"/> characters.</summary>
    public static string Cut(string error) => Cut(error, MaxError);

    /// <summary><paramref name="errors"/> joined with "; ", at most <see cref="MaxListed"/> of them and <see cref="MaxMessage"/> characters.</summary>
    public static string Join(string prefix, IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var text = new StringBuilder(prefix);
        for (var i = 0; i < errors.Count && i < MaxListed; i++)
        {
            text.Append(i == 0 ? "" : "; ").Append(Cut(errors[i]));
        }

        if (errors.Count > MaxListed)
        {
            text.Append(CultureInfo.InvariantCulture, $"; and {errors.Count - MaxListed} more");
        }

        return Cut(text.ToString(), MaxMessage);
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}
