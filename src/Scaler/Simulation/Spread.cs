using System.Globalization;

namespace Scaler.Simulation;

/// <summary>A figure over several seeds: its median and its range.</summary>
internal readonly record struct Spread(double Median, double Min, double Max, int Count)
{
    /// <summary>The median (the mean of the two middle values for an even count) and the range; NaN values are left out.</summary>
    public static Spread Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Spread(double.NaN, double.NaN, double.NaN, 0);
        }

        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Spread(median, sorted[0], sorted[^1], sorted.Length);
    }

    /// <summary>"median (min–max)" with the given number format.</summary>
    public string Format(string format) => Count == 0
        ? "-"
        : string.Create(CultureInfo.InvariantCulture, $"{Median.ToString(format, CultureInfo.InvariantCulture)} ({Min.ToString(format, CultureInfo.InvariantCulture)}–{Max.ToString(format, CultureInfo.InvariantCulture)})");
}
