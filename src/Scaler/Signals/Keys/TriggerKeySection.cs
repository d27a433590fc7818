namespace Scaler.Signals.Keys;

/// <summary>The tables of the key docs (docs/keda-metadata.md), in their order.</summary>
internal enum TriggerKeySection
{
    /// <summary>Which pods a trigger's pod-reading signals read.</summary>
    Workload,

    /// <summary>The sources' keys: at least one signal.</summary>
    Signals,

    /// <summary>The engine's policy.</summary>
    Policy,
}
