using System.Collections.Immutable;
using NvmlExporter.Interop;

namespace NvmlExporter.Sampling;

/// <summary>
/// Everything one sample cycle learned, immutable. A field that NVML did not answer is null, never 0:
/// the metrics layer leaves such a series out.
/// </summary>
public sealed record NvmlSnapshot(
    DateTimeOffset Timestamp,
    TimeSpan Duration,
    bool NvmlUp,
    string? NvmlDownReason,
    string? DriverVersion,
    ImmutableArray<GpuReading> Gpus,
    SamplerCounters Counters)
{
    /// <summary>NVML calls that have not returned within the call timeout and still run (a hung driver call each).</summary>
    public int StuckCalls { get; init; }

    /// <summary>The snapshot served before the first cycle completes.</summary>
    public static NvmlSnapshot Empty { get; } =
        new(DateTimeOffset.MinValue, TimeSpan.Zero, false, "no sample yet", null, [], SamplerCounters.Empty);
}

/// <summary>One physical GPU. When <see cref="Error"/> is set the device could not be read at all (GPU_IS_LOST).</summary>
public sealed record GpuReading(
    uint Index,
    string Uuid,
    string? Name,
    string? PciBusId,
    NvmlError? Error,
    uint? GpuUtilizationPercent,
    uint? MemoryUtilizationPercent,
    NvmlMemory? Memory,
    uint? TemperatureCelsius,
    uint? PowerMilliwatts,
    uint? SmClockMhz,
    ulong? EccCorrectedVolatile,
    ulong? EccUncorrectedVolatile,
    uint? ComputeProcesses,
    bool MigEnabled,
    ImmutableArray<MigReading> MigDevices)
{
    public bool IsUp => Error is null;

    public uint? MemoryClockMhz { get; init; }

    /// <summary>Energy since the driver loaded, in millijoules.</summary>
    public ulong? EnergyMillijoules { get; init; }

    public uint? EncoderUtilizationPercent { get; init; }

    public uint? DecoderUtilizationPercent { get; init; }

    public uint? PcieReplays { get; init; }

    public ulong? EccCorrectedAggregate { get; init; }

    public ulong? EccUncorrectedAggregate { get; init; }

    /// <summary>NVML's clocks-event reasons bitmask.</summary>
    public ulong? ClocksEventReasons { get; init; }

    public uint? RetiredPagesSingleBit { get; init; }

    public uint? RetiredPagesDoubleBit { get; init; }

    public bool? RetiredPagesPending { get; init; }

    public NvmlRemappedRows? RemappedRows { get; init; }

    /// <summary>Null while the GPU's XID events are not watched.</summary>
    public XidReading? Xid { get; init; }
}

/// <summary>One MIG device (a GPU instance with its compute instance). Utilization is not available on MIG.</summary>
public sealed record MigReading(
    uint Slot,
    string Uuid,
    string? Name,
    uint GpuInstanceId,
    uint? ComputeInstanceId,
    string Profile,
    NvmlMemory? Memory,
    uint? ComputeProcesses);

/// <summary>Sampler health counters, carried by value so a snapshot is self-contained.</summary>
public sealed record SamplerCounters(
    ImmutableDictionary<(string Function, NvmlReturn Code), long> Errors,
    ImmutableArray<long> DurationBuckets,
    double DurationSumSeconds,
    long Samples)
{
    /// <summary>Upper bounds of the sample-duration histogram, in seconds.</summary>
    public static readonly ImmutableArray<double> BucketBounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    public static SamplerCounters Empty { get; } = new(
        ImmutableDictionary<(string, NvmlReturn), long>.Empty,
        [.. new long[BucketBounds.Length]],
        0,
        0);
}
