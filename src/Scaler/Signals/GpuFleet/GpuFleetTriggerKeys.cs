using Scaler.Decisions;
using Scaler.Signals.Keys;

namespace Scaler.Signals.GpuFleet;

/// <summary>
/// The keys of the GPU signals, read from the exporters on the workload's nodes: utilization and memory
/// targets (saturation signals, per replica) and how they take part (<c>gpuMode</c>).
/// </summary>
internal sealed class GpuFleetTriggerKeys : ITriggerKeys
{
    public const string GpuUtilizationTarget = "gpuUtilizationTarget";
    public const string GpuMemoryTarget = "gpuMemoryTarget";
    public const string GpuMode = "gpuMode";

    /// <summary>Signal names (<see cref="SignalSpec.Name"/>), fixed so explanations and readings line up.</summary>
    public const string GpuUtilizationSignal = "gpu-utilization";
    public const string GpuMemorySignal = "gpu-memory";

    public IReadOnlyList<TriggerKey> Keys { get; } =
    [
        new(GpuUtilizationTarget, "percent 1–100", "off", "70", "Signal `gpu-utilization`: mean GPU duty cycle of the workload's GPUs (NvmlExporter), per replica. A percent, not a fraction (`0.7` is refused).", "a percent from 1 to 100 such as 70 (the target is a percent, not a fraction)"),
        new(GpuMemoryTarget, "percent 1–100", "off", "85", "Signal `gpu-memory`: highest memory use of any of the workload's GPUs.", "a percent from 1 to 100 such as 80 (the target is a percent, not a fraction)"),
        new(GpuMode, "`ignore` \\| `hold` \\| `hold-add` \\| `max`", "`ignore`", "hold", "How the GPU signals take part (docs/decisions.md): reported only; may hold the count; hold and add with demand; like any signal (HPA). Only with a GPU signal.", "ignore, hold, hold-add or max")
        {
            UsedWith = $"{GpuUtilizationTarget} or {GpuMemoryTarget}",
        },
    ];

    public IReadOnlyList<string> SwitchKeys { get; } = [GpuUtilizationTarget, GpuMemoryTarget];

    public string Usage => $"GPU signals ({GpuUtilizationTarget} or {GpuMemoryTarget})";

    public string Example => $"GPU ({GpuUtilizationTarget}: 70)";

    public bool ReadsPods => true;

    public void Parse(TriggerMetadataReader metadata, TriggerBuilder trigger)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(trigger);
        foreach (var (key, name, aggregate) in new[]
        {
            (GpuUtilizationTarget, GpuUtilizationSignal, GpuFleetAggregate.MeanUtilization),
            (GpuMemoryTarget, GpuMemorySignal, GpuFleetAggregate.MaxMemoryUsed),
        })
        {
            if (metadata.Percent(key) is { } percent)
            {
                var spec = new SignalSpec(name, SignalKind.Average, SignalRole.Saturation, percent / 100);
                trigger.AddSignal(spec, new GpuFleetQuery(trigger.Workload, aggregate), $"{name}|{trigger.Workload.PodSelector}", key);
            }
        }

        if (metadata.Text(GpuMode) is { } modeText)
        {
            SaturationMode? mode = modeText.ToUpperInvariant() switch
            {
                "IGNORE" => SaturationMode.Ignore,
                "HOLD" => SaturationMode.HoldOnly,
                "HOLD-ADD" => SaturationMode.HoldAndAddWithDemand,
                "MAX" => SaturationMode.Max,
                _ => null,
            };
            if (mode is null)
            {
                metadata.Expected(GpuMode);
            }
            else
            {
                trigger.Saturation = mode;
            }
        }
    }
}
