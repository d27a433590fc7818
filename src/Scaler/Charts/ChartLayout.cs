namespace Scaler.Charts;

/// <summary>Sizes of a chart in SVG user units.</summary>
/// <param name="Width">The whole chart's width.</param>
/// <param name="PanelHeight">One plot's height.</param>
internal sealed record ChartLayout(int Width, int PanelHeight)
{
    /// <summary>The simulator's report: 960 wide, 170 per panel.</summary>
    public static ChartLayout Report { get; } = new(960, 170);

    /// <summary>Room left of the plot for the left axis labels.</summary>
    public int Left { get; init; } = 56;

    /// <summary>Room right of the plot for the right axis labels.</summary>
    public int Right { get; init; } = 56;

    /// <summary>From one panel's bottom to the next one's top (the X labels and the next title).</summary>
    public int Gap { get; init; } = 34;

    /// <summary>Room above the first panel; null: room for the heading (36) or for the first title only (22).</summary>
    public int? Top { get; init; }

    /// <summary>Room below the last panel.</summary>
    public int Bottom { get; init; } = 10;

    public int PlotWidth => Width - Left - Right;
}
