using Scaler.Decisions;
using Scaler.Triggers;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// What the KEDA door keeps for one trigger: the engine's state, the last decision, and whether a reading it
/// used was refreshed since (<see cref="Version"/>). Decisions for one trigger are made one at a time (<see cref="Gate"/>).
/// </summary>
internal sealed class TriggerState
{
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public EngineState Engine { get; set; } = EngineState.Initial;

    /// <summary>The leadership term <see cref="Engine"/> was made in (0: none yet).</summary>
    public long Term { get; set; }

    /// <summary>The trigger the last decision was made for.</summary>
    public Trigger? Trigger { get; set; }

    public Decision? Last { get; set; }

    /// <summary>Raised by every refresh of one of the trigger's readings.</summary>
    public long Version;

    /// <summary>The <see cref="Version"/> the last decision's reads started from.</summary>
    public long DecidedVersion;

    public long LastAskedTicks;

    /// <summary>The trigger whose readings were last indexed (<see cref="RefreshIndex"/>).</summary>
    public Trigger? IndexedFor;
}
