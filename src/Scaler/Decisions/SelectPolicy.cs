namespace Scaler.Decisions;

/// <summary>Which rate limit wins when several are set (HPA <c>selectPolicy</c>).</summary>
internal enum SelectPolicy
{
    /// <summary>The limit that allows the biggest change.</summary>
    Max,

    /// <summary>The limit that allows the smallest change.</summary>
    Min,

    /// <summary>No change in this direction at all.</summary>
    Disabled,
}
