namespace Scaler.Decisions;

/// <summary>How saturation signals (GPU utilization) take part in the combination. See docs/decisions.md.</summary>
internal enum SaturationMode
{
    /// <summary>Like any other signal: the maximum of all proposals wins (what an HPA does).</summary>
    Max,

    /// <summary>May keep the current count (blocks scale-down while at or above target) but never adds replicas.</summary>
    HoldOnly,

    /// <summary>
    /// May keep the current count; may add replicas only while a demand signal also asks for more than the
    /// current count (demand says capacity is short; utilization sizes the step).
    /// </summary>
    HoldAndAddWithDemand,

    /// <summary>Reported in the explanation, never changes the result.</summary>
    Ignore,
}
