namespace Scaler.FrontDoors.Page;

/// <summary>A history sample, placed in time.</summary>
internal interface ITimedSample
{
    /// <summary>When, UTC ticks.</summary>
    long AtTicks { get; }
}
