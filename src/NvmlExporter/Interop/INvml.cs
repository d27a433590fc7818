namespace NvmlExporter.Interop;

/// <summary>An opaque NVML device handle (<c>nvmlDevice_t</c>). Valid until the device goes away.</summary>
public readonly record struct NvmlDevice(nint Handle);

/// <summary>
/// The value of one NVML call, or the error it returned. Failures are data: a sampler reads many
/// fields a second and most "errors" (NOT_SUPPORTED on a MIG handle) are expected absences.
/// </summary>
#pragma warning disable CA2225 // The constructors are the named alternatives to the conversions.
public readonly struct NvmlResult<T>
{
    private readonly T _value;

    public NvmlResult(T value)
    {
        _value = value;
        Error = null;
    }

    public NvmlResult(NvmlError error)
    {
        _value = default!;
        Error = error;
    }

    public NvmlError? Error { get; }

    public bool IsSuccess => Error is null;

    public NvmlReturn Code => Error?.Code ?? NvmlReturn.SUCCESS;

    /// <summary>The value; throws <see cref="NvmlException"/> when the call failed.</summary>
    public T Value => Error is null ? _value : throw new NvmlException(Error);

    public bool TryGetValue(out T value)
    {
        value = _value;
        return Error is null;
    }

    public static implicit operator NvmlResult<T>(NvmlError error) => new(error);

    public static implicit operator NvmlResult<T>(T value) => new(value);
}
#pragma warning restore CA2225

public readonly record struct NvmlUtilization(uint GpuPercent, uint MemoryPercent);

/// <summary>Framebuffer memory in bytes. <see cref="Reserved"/> is null where only the v1 call exists (its Used includes reserved).</summary>
public readonly record struct NvmlMemory(ulong Total, ulong Free, ulong Used, ulong? Reserved);

public enum NvmlEccErrorType
{
    Corrected = 0,
    Uncorrected = 1,
}

/// <summary>Which ECC count: since the driver loaded, or over the board's lifetime (kept in the inforom).</summary>
public enum NvmlEccCounter
{
    Volatile = 0,
    Aggregate = 1,
}

public enum NvmlClock
{
    Sm = 1,
    Memory = 2,
}

/// <summary>Why framebuffer pages were retired (boards before Ampere; later boards remap rows instead).</summary>
public enum NvmlPageRetirementCause
{
    MultipleSingleBitErrors = 0,
    DoubleBitError = 1,
}

/// <summary>Row remapping (Ampere and newer): rows remapped for correctable and uncorrectable errors, a remap waiting for the next reset, and whether one failed.</summary>
public readonly record struct NvmlRemappedRows(uint Correctable, uint Uncorrectable, bool Pending, bool Failed);

/// <summary>An event set (<c>nvmlEventSet_t</c>): opaque, freed with <see cref="INvml.FreeEventSet"/>.</summary>
public readonly record struct NvmlEventSet(nint Handle);

/// <summary>One XID event: the GPU's handle and the XID number (999 when NVML does not know it).</summary>
public readonly record struct NvmlXidEvent(NvmlDevice Device, ulong Xid);

/// <summary>
/// The managed face of NVML. Everything outside <c>Interop/</c> sees this, never a P/Invoke.
/// Implementations check every return code and turn non-success into an <see cref="NvmlError"/>
/// carrying the code and <c>nvmlErrorString</c>; a call whose export the driver lacks answers
/// NOT_SUPPORTED.
/// </summary>
public interface INvml : IDisposable
{
    /// <summary>Loads the library (lazily, once) and initialises NVML. Safe to call again after a failure.</summary>
    NvmlResult<bool> Initialize();

    /// <summary>Exports the loaded library lacks, for the log line at start.</summary>
    IReadOnlyList<string> MissingExports { get; }

    NvmlResult<string> GetDriverVersion();

    NvmlResult<uint> GetDeviceCount();

    NvmlResult<NvmlDevice> GetDeviceHandleByIndex(uint index);

    NvmlResult<string> GetUuid(NvmlDevice device);

    NvmlResult<string> GetName(NvmlDevice device);

    NvmlResult<string> GetPciBusId(NvmlDevice device);

    NvmlResult<NvmlUtilization> GetUtilization(NvmlDevice device);

    NvmlResult<NvmlMemory> GetMemory(NvmlDevice device);

    NvmlResult<uint> GetTemperatureCelsius(NvmlDevice device);

    NvmlResult<uint> GetPowerUsageMilliwatts(NvmlDevice device);

    NvmlResult<uint> GetClockMhz(NvmlDevice device, NvmlClock clock);

    /// <summary>ECC error total of one kind, volatile (since driver load) or aggregate (board lifetime).</summary>
    NvmlResult<ulong> GetTotalEccErrors(NvmlDevice device, NvmlEccErrorType type, NvmlEccCounter counter);

    /// <summary>Energy used since the driver loaded, in millijoules (Volta and newer).</summary>
    NvmlResult<ulong> GetTotalEnergyMillijoules(NvmlDevice device);

    NvmlResult<uint> GetEncoderUtilization(NvmlDevice device);

    NvmlResult<uint> GetDecoderUtilization(NvmlDevice device);

    NvmlResult<uint> GetPcieReplayCounter(NvmlDevice device);

    /// <summary>Why the clocks are below their maximum now, as NVML's bitmask (formerly "throttle reasons").</summary>
    NvmlResult<ulong> GetClocksEventReasons(NvmlDevice device);

    NvmlResult<uint> GetRetiredPageCount(NvmlDevice device, NvmlPageRetirementCause cause);

    NvmlResult<bool> GetRetiredPagesPending(NvmlDevice device);

    NvmlResult<NvmlRemappedRows> GetRemappedRows(NvmlDevice device);

    NvmlResult<NvmlEventSet> CreateEventSet();

    /// <summary>Registers the XID critical error event (<c>nvmlEventTypeXidCriticalError</c>, 0x8) of a GPU (not a MIG device) on the set.</summary>
    NvmlResult<bool> RegisterXidEvents(NvmlDevice device, NvmlEventSet events);

    /// <summary>Blocks up to <paramref name="timeout"/> for the next event; TIMEOUT is the usual answer when nothing happened.</summary>
    NvmlResult<NvmlXidEvent> WaitForXid(NvmlEventSet events, TimeSpan timeout);

    void FreeEventSet(NvmlEventSet events);

    NvmlResult<bool> GetMigEnabled(NvmlDevice device);

    NvmlResult<uint> GetMaxMigDeviceCount(NvmlDevice device);

    /// <summary>MIG slots are sparse: an empty slot answers NOT_FOUND.</summary>
    NvmlResult<NvmlDevice> GetMigDeviceHandleByIndex(NvmlDevice parent, uint index);

    NvmlResult<uint> GetGpuInstanceId(NvmlDevice migDevice);

    NvmlResult<uint> GetComputeInstanceId(NvmlDevice migDevice);

    NvmlResult<uint> GetComputeRunningProcessCount(NvmlDevice device);
}
