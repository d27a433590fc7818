using System.ComponentModel;
using System.Globalization;

namespace Scaler.Durations;

/// <summary>
/// Reads <see cref="TimeSpan"/> settings (every <c>*Options</c> bound from configuration) in the product's
/// duration form (<see cref="DurationText"/>: <c>10s</c>, <c>1.5m</c>), so settings are written like trigger
/// metadata. .NET's own form with colons (<c>00:00:10</c>) is still read, so existing settings keep working;
/// a bare number (.NET reads <c>5</c> as five days) is refused with the expected form.
/// </summary>
internal sealed class DurationConverter : TimeSpanConverter
{
    private static int _registered;

    /// <summary>Makes configuration binding use this converter for every <see cref="TimeSpan"/>; safe to call more than once.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            TypeDescriptor.AddAttributes(typeof(TimeSpan), new TypeConverterAttribute(typeof(DurationConverter)));
        }
    }

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value)
    {
        if (value is not string text)
        {
            return base.ConvertFrom(context, culture, value);
        }

        text = text.Trim();
        if (DurationText.TryParse(text, out var duration))
        {
            return duration;
        }

        if (text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration))
        {
            return duration;
        }

        throw new FormatException($"'{text}' is not a duration: expected {DurationText.Form} (or 00:00:10)");
    }
}
