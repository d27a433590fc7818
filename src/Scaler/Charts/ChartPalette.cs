namespace Scaler.Charts;

/// <summary>
/// Colors from Okabe and Ito's palette, which stay distinguishable under the common color-vision
/// deficiencies; charts also tell series apart by dash and shape, never by color alone.
/// </summary>
internal static class ChartPalette
{
    public const string Blue = "#0072b2";
    public const string Orange = "#e69f00";
    public const string Green = "#009e73";
    public const string Vermillion = "#d55e00";
    public const string SkyBlue = "#56b4e9";
    public const string ReddishPurple = "#cc79a7";
    public const string Black = "#000000";
    public const string Grey = "#999999";
    public const string LightGrey = "#cccccc";

    /// <summary>Behind an unknown span: a light grey.</summary>
    public const string UnknownFill = "#e3e3e3";

    /// <summary>Behind an inactive span: a pale blue.</summary>
    public const string InactiveFill = "#e8f1f8";
}
