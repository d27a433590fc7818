namespace Scaler.Charts;

/// <summary>How a series is drawn.</summary>
internal enum SeriesShape
{
    /// <summary>Straight segments between points.</summary>
    Line,

    /// <summary>A step line: each value holds until the next point (replica counts).</summary>
    Step,

    /// <summary>A filled area down to the axis (load).</summary>
    Area,
}
