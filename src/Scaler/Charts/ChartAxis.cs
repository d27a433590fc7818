namespace Scaler.Charts;

/// <summary>A vertical axis from 0 to <paramref name="Max"/>, labelled at both ends.</summary>
/// <param name="Max">The value at the top (positive).</param>
/// <param name="TopLabel">The label at the top, such as <c>12/s</c> or <c>10 repl.</c>.</param>
/// <param name="Color">Label color, to tie the axis to its series; null for the default text color.</param>
internal sealed record ChartAxis(double Max, string TopLabel, string? Color = null)
{
    /// <summary>The label at the bottom.</summary>
    public string BottomLabel { get; init; } = "0";
}
