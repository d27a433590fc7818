using System.Collections.Immutable;

namespace Scaler.Charts;

/// <summary>One series of a panel.</summary>
/// <param name="Label">What it is, for the legend and the tooltip.</param>
/// <param name="Points">Points in increasing X; NaN values leave gaps.</param>
/// <param name="Color">Its stroke (or fill, for an area); <see cref="ChartPalette"/> has colors that stay apart under color blindness.</param>
/// <param name="Shape">Line, step or area.</param>
internal sealed record ChartSeries(string Label, ImmutableArray<ChartPoint> Points, string Color, SeriesShape Shape)
{
    /// <summary>Drawn against the right axis instead of the left.</summary>
    public bool RightAxis { get; init; }

    /// <summary>An SVG <c>stroke-dasharray</c> such as <c>5,3</c>; null for a solid line. Dashes tell series apart without color.</summary>
    public string? Dash { get; init; }

    /// <summary>Stroke width.</summary>
    public double Width { get; init; } = 1.5;
}
