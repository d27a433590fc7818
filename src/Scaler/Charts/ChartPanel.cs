using System.Collections.Immutable;

namespace Scaler.Charts;

/// <summary>One plot: a title, an X range, one or two vertical axes, shaded bands and series.</summary>
/// <param name="Title">The line above the plot.</param>
/// <param name="XFrom">X at the left edge.</param>
/// <param name="XTo">X at the right edge; points outside [<paramref name="XFrom"/>, <paramref name="XTo"/>] are left out.</param>
/// <param name="Left">The left axis.</param>
/// <param name="Series">Drawn in order, the first at the back.</param>
internal sealed record ChartPanel(string Title, double XFrom, double XTo, ChartAxis Left, ImmutableArray<ChartSeries> Series)
{
    /// <summary>The right axis, for series with <see cref="ChartSeries.RightAxis"/>.</summary>
    public ChartAxis? Right { get; init; }

    /// <summary>Shaded spans behind the series.</summary>
    public ImmutableArray<ChartBand> Bands { get; init; } = [];

    /// <summary>Label under the left end of the X axis; null for none.</summary>
    public string? XStartLabel { get; init; }

    /// <summary>Label under the right end of the X axis; null for none.</summary>
    public string? XEndLabel { get; init; }

    /// <summary>A legend under the plot naming each series and band (line style and color together).</summary>
    public bool Legend { get; init; }
}
