namespace Scaler.Decisions;

/// <summary>Whether the workload has work.</summary>
internal enum Activity
{
    /// <summary>A demand signal is above its activation threshold.</summary>
    Active,

    /// <summary>Every demand signal is known and at or below its activation threshold.</summary>
    Inactive,

    /// <summary>No demand signal is above threshold and at least one is unknown. A front door reports "cannot decide".</summary>
    Unknown,
}
