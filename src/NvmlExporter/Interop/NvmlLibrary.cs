using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;

namespace NvmlExporter.Interop;

/// <summary>
/// Loads <c>libnvidia-ml.so.1</c> once per process, lazily, from the configured path or the system's
/// search path, and points the <see cref="NvmlNative"/> imports at it. The library stays loaded: the
/// generated stubs cache their entry points.
/// </summary>
internal static class NvmlLoader
{
    private static readonly Lock Gate = new();
    private static nint s_handle;
    private static string? s_loadedFrom;
    private static NvmlExports? s_exports;

    public static (nint Handle, NvmlExports Exports) Load(string? path)
    {
        lock (Gate)
        {
            var file = string.IsNullOrEmpty(path) ? NvmlNative.LibraryName : path;
            if (s_handle != 0)
            {
                if (!string.Equals(file, s_loadedFrom, StringComparison.Ordinal))
                {
                    throw new NvmlException($"NVML is already loaded from '{s_loadedFrom}' in this process; cannot load '{file}' as well.");
                }

                return (s_handle, s_exports!);
            }

            nint handle;
            try
            {
                handle = NativeLibrary.Load(file);
            }
            catch (DllNotFoundException ex)
            {
                throw new NvmlException($"cannot load {file}: {ex.Message}", ex);
            }
            catch (BadImageFormatException ex)
            {
                throw new NvmlException($"cannot load {file}: {ex.Message}", ex);
            }

            var missingRequired = NvmlExports.Required.Where(name => !NativeLibrary.TryGetExport(handle, name, out _)).ToList();
            if (!NativeLibrary.TryGetExport(handle, "nvmlInit_v2", out _) && !NativeLibrary.TryGetExport(handle, "nvmlInit", out _))
            {
                missingRequired.Add("nvmlInit");
            }

            if (missingRequired.Count > 0)
            {
                NativeLibrary.Free(handle);
                throw new NvmlException($"{file} is not a usable NVML library: it lacks {string.Join(", ", missingRequired)}");
            }

            s_exports = NvmlExports.Probe(handle);
            s_handle = handle;
            s_loadedFrom = file;
            NativeLibrary.SetDllImportResolver(typeof(NvmlNative).Assembly, static (name, _, _) =>
                string.Equals(name, NvmlNative.LibraryName, StringComparison.Ordinal) ? s_handle : 0);
            return (s_handle, s_exports);
        }
    }
}

/// <summary>
/// <see cref="INvml"/> over the real library. One instance owns one NVML init reference: register it
/// as a singleton; disposing it calls <c>nvmlShutdown</c>.
/// </summary>
public sealed unsafe class NvmlLibrary : INvml
{
    private const int StringBufferSize = 96; // NVML_DEVICE_UUID_V2_BUFFER_SIZE, NVML_DEVICE_NAME_V2_BUFFER_SIZE
    private const int VersionBufferSize = 80; // NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE
    private const ulong XidCriticalError = 0x8; // nvmlEventTypeXidCriticalError

    private readonly string? _path;
    private readonly ConcurrentDictionary<(string Function, NvmlReturn Code), NvmlError> _errors = new();
    private NvmlExports? _exports;
    private bool _initialized;

    /// <param name="path">The library file; null loads <c>libnvidia-ml.so.1</c> from the system's search path.</param>
    public NvmlLibrary(string? path) => _path = path;

    public IReadOnlyList<string> MissingExports => _exports?.Missing ?? [];

    public NvmlResult<bool> Initialize()
    {
        if (_initialized)
        {
            return true;
        }

        try
        {
            (_, _exports) = NvmlLoader.Load(_path);
        }
        catch (NvmlException ex)
        {
            return new NvmlError("dlopen", NvmlReturn.ERROR_LIBRARY_NOT_FOUND, ex.Message);
        }

        var rc = _exports.InitV2 ? NvmlNative.nvmlInit_v2() : NvmlNative.nvmlInit();
        if (rc != NvmlReturn.SUCCESS)
        {
            return Fail(_exports.InitV2 ? "nvmlInit_v2" : "nvmlInit", rc);
        }

        _initialized = true;
        return true;
    }

    public NvmlResult<string> GetDriverVersion()
    {
        var buffer = stackalloc byte[VersionBufferSize];
        var rc = NvmlNative.nvmlSystemGetDriverVersion(buffer, VersionBufferSize);
        return rc == NvmlReturn.SUCCESS ? ReadString(buffer, VersionBufferSize) : Fail("nvmlSystemGetDriverVersion", rc);
    }

    public NvmlResult<uint> GetDeviceCount()
    {
        uint count;
        var v2 = Exports.GetCountV2;
        var rc = v2 ? NvmlNative.nvmlDeviceGetCount_v2(&count) : NvmlNative.nvmlDeviceGetCount(&count);
        return rc == NvmlReturn.SUCCESS ? count : Fail(v2 ? "nvmlDeviceGetCount_v2" : "nvmlDeviceGetCount", rc);
    }

    public NvmlResult<NvmlDevice> GetDeviceHandleByIndex(uint index)
    {
        nint handle;
        var v2 = Exports.GetHandleByIndexV2;
        var rc = v2 ? NvmlNative.nvmlDeviceGetHandleByIndex_v2(index, &handle) : NvmlNative.nvmlDeviceGetHandleByIndex(index, &handle);
        return rc == NvmlReturn.SUCCESS ? new NvmlDevice(handle) : Fail(v2 ? "nvmlDeviceGetHandleByIndex_v2" : "nvmlDeviceGetHandleByIndex", rc);
    }

    public NvmlResult<string> GetUuid(NvmlDevice device)
    {
        var buffer = stackalloc byte[StringBufferSize];
        var rc = NvmlNative.nvmlDeviceGetUUID(device.Handle, buffer, StringBufferSize);
        return rc == NvmlReturn.SUCCESS ? ReadString(buffer, StringBufferSize) : Fail("nvmlDeviceGetUUID", rc);
    }

    public NvmlResult<string> GetName(NvmlDevice device)
    {
        var buffer = stackalloc byte[StringBufferSize];
        var rc = NvmlNative.nvmlDeviceGetName(device.Handle, buffer, StringBufferSize);
        return rc == NvmlReturn.SUCCESS ? ReadString(buffer, StringBufferSize) : Fail("nvmlDeviceGetName", rc);
    }

    public NvmlResult<string> GetPciBusId(NvmlDevice device)
    {
        if (!Exports.GetPciInfoV3)
        {
            return Missing("nvmlDeviceGetPciInfo_v3");
        }

        nvmlPciInfo_t pci;
        var rc = NvmlNative.nvmlDeviceGetPciInfo_v3(device.Handle, &pci);
        return rc == NvmlReturn.SUCCESS ? ReadString(pci.busId, 32) : Fail("nvmlDeviceGetPciInfo_v3", rc);
    }

    public NvmlResult<NvmlUtilization> GetUtilization(NvmlDevice device)
    {
        nvmlUtilization_t utilization;
        var rc = NvmlNative.nvmlDeviceGetUtilizationRates(device.Handle, &utilization);
        return rc == NvmlReturn.SUCCESS
            ? new NvmlUtilization(utilization.gpu, utilization.memory)
            : Fail("nvmlDeviceGetUtilizationRates", rc);
    }

    public NvmlResult<NvmlMemory> GetMemory(NvmlDevice device)
    {
        if (Exports.GetMemoryInfoV2)
        {
            var memory = new nvmlMemory_v2_t { version = nvmlMemory_v2_t.Version2 };
            var rc = NvmlNative.nvmlDeviceGetMemoryInfo_v2(device.Handle, &memory);
            return rc == NvmlReturn.SUCCESS
                ? new NvmlMemory(memory.total, memory.free, memory.used, memory.reserved)
                : Fail("nvmlDeviceGetMemoryInfo_v2", rc);
        }

        nvmlMemory_t v1;
        var rc1 = NvmlNative.nvmlDeviceGetMemoryInfo(device.Handle, &v1);
        return rc1 == NvmlReturn.SUCCESS ? new NvmlMemory(v1.total, v1.free, v1.used, null) : Fail("nvmlDeviceGetMemoryInfo", rc1);
    }

    public NvmlResult<uint> GetTemperatureCelsius(NvmlDevice device)
    {
        if (!Exports.GetTemperature)
        {
            return Missing("nvmlDeviceGetTemperature");
        }

        uint value;
        var rc = NvmlNative.nvmlDeviceGetTemperature(device.Handle, 0 /* NVML_TEMPERATURE_GPU */, &value);
        return rc == NvmlReturn.SUCCESS ? value : Fail("nvmlDeviceGetTemperature", rc);
    }

    public NvmlResult<uint> GetPowerUsageMilliwatts(NvmlDevice device) =>
        Read<uint>(device, Exports.GetPowerUsage, "nvmlDeviceGetPowerUsage", &NvmlNative.nvmlDeviceGetPowerUsage);

    public NvmlResult<uint> GetClockMhz(NvmlDevice device, NvmlClock clock)
    {
        if (!Exports.GetClockInfo)
        {
            return Missing("nvmlDeviceGetClockInfo");
        }

        uint value;
        var rc = NvmlNative.nvmlDeviceGetClockInfo(device.Handle, (int)clock, &value);
        return rc == NvmlReturn.SUCCESS ? value : Fail("nvmlDeviceGetClockInfo", rc);
    }

    public NvmlResult<ulong> GetTotalEccErrors(NvmlDevice device, NvmlEccErrorType type, NvmlEccCounter counter)
    {
        if (!Exports.GetTotalEccErrors)
        {
            return Missing("nvmlDeviceGetTotalEccErrors");
        }

        ulong value;
        var rc = NvmlNative.nvmlDeviceGetTotalEccErrors(device.Handle, (int)type, (int)counter, &value);
        return rc == NvmlReturn.SUCCESS ? value : Fail("nvmlDeviceGetTotalEccErrors", rc);
    }

    public NvmlResult<ulong> GetTotalEnergyMillijoules(NvmlDevice device) =>
        Read<ulong>(device, Exports.GetTotalEnergyConsumption, "nvmlDeviceGetTotalEnergyConsumption", &NvmlNative.nvmlDeviceGetTotalEnergyConsumption);

    public NvmlResult<uint> GetEncoderUtilization(NvmlDevice device) =>
        Codec(device, "nvmlDeviceGetEncoderUtilization", &NvmlNative.nvmlDeviceGetEncoderUtilization);

    public NvmlResult<uint> GetDecoderUtilization(NvmlDevice device) =>
        Codec(device, "nvmlDeviceGetDecoderUtilization", &NvmlNative.nvmlDeviceGetDecoderUtilization);

    public NvmlResult<uint> GetPcieReplayCounter(NvmlDevice device) =>
        Read<uint>(device, Exports.GetPcieReplayCounter, "nvmlDeviceGetPcieReplayCounter", &NvmlNative.nvmlDeviceGetPcieReplayCounter);

    public NvmlResult<ulong> GetClocksEventReasons(NvmlDevice device) => Exports.GetClocksEventReasons
        ? Read<ulong>(device, true, "nvmlDeviceGetCurrentClocksEventReasons", &NvmlNative.nvmlDeviceGetCurrentClocksEventReasons)
        : Read<ulong>(device, Exports.GetClocksThrottleReasons, "nvmlDeviceGetCurrentClocksThrottleReasons", &NvmlNative.nvmlDeviceGetCurrentClocksThrottleReasons);

    public NvmlResult<uint> GetRetiredPageCount(NvmlDevice device, NvmlPageRetirementCause cause)
    {
        if (!Exports.GetRetiredPages)
        {
            return Missing("nvmlDeviceGetRetiredPages");
        }

        // A zero-sized buffer asks for the count: SUCCESS when there are none, INSUFFICIENT_SIZE with the count otherwise.
        uint count = 0;
        var rc = NvmlNative.nvmlDeviceGetRetiredPages(device.Handle, (int)cause, &count, null);
        return rc is NvmlReturn.SUCCESS or NvmlReturn.ERROR_INSUFFICIENT_SIZE ? count : Fail("nvmlDeviceGetRetiredPages", rc);
    }

    public NvmlResult<bool> GetRetiredPagesPending(NvmlDevice device)
    {
        if (!Exports.GetRetiredPages)
        {
            return Missing("nvmlDeviceGetRetiredPagesPendingStatus");
        }

        int pending;
        var rc = NvmlNative.nvmlDeviceGetRetiredPagesPendingStatus(device.Handle, &pending);
        return rc == NvmlReturn.SUCCESS ? pending != 0 : Fail("nvmlDeviceGetRetiredPagesPendingStatus", rc);
    }

    public NvmlResult<NvmlRemappedRows> GetRemappedRows(NvmlDevice device)
    {
        if (!Exports.GetRemappedRows)
        {
            return Missing("nvmlDeviceGetRemappedRows");
        }

        uint correctable, uncorrectable, pending, failed;
        var rc = NvmlNative.nvmlDeviceGetRemappedRows(device.Handle, &correctable, &uncorrectable, &pending, &failed);
        return rc == NvmlReturn.SUCCESS
            ? new NvmlRemappedRows(correctable, uncorrectable, pending != 0, failed != 0)
            : Fail("nvmlDeviceGetRemappedRows", rc);
    }

    public NvmlResult<NvmlEventSet> CreateEventSet()
    {
        if (!Exports.Events)
        {
            return Missing("nvmlEventSetWait_v2");
        }

        nint set;
        var rc = NvmlNative.nvmlEventSetCreate(&set);
        return rc == NvmlReturn.SUCCESS ? new NvmlEventSet(set) : Fail("nvmlEventSetCreate", rc);
    }

    public NvmlResult<bool> RegisterXidEvents(NvmlDevice device, NvmlEventSet events)
    {
        if (!Exports.Events)
        {
            return Missing("nvmlDeviceRegisterEvents");
        }

        var rc = NvmlNative.nvmlDeviceRegisterEvents(device.Handle, XidCriticalError, events.Handle);
        return rc == NvmlReturn.SUCCESS ? true : Fail("nvmlDeviceRegisterEvents", rc);
    }

    public NvmlResult<NvmlXidEvent> WaitForXid(NvmlEventSet events, TimeSpan timeout)
    {
        if (!Exports.Events)
        {
            return Missing("nvmlEventSetWait_v2");
        }

        nvmlEventData_t data;
        var rc = NvmlNative.nvmlEventSetWait_v2(events.Handle, &data, (uint)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue));
        return rc == NvmlReturn.SUCCESS ? new NvmlXidEvent(new NvmlDevice(data.device), data.eventData) : Fail("nvmlEventSetWait_v2", rc);
    }

    public void FreeEventSet(NvmlEventSet events)
    {
        if (Exports.Events && events.Handle != 0)
        {
            _ = NvmlNative.nvmlEventSetFree(events.Handle);
        }
    }

    public NvmlResult<bool> GetMigEnabled(NvmlDevice device)
    {
        if (!Exports.Mig)
        {
            return Missing("nvmlDeviceGetMigMode");
        }

        uint current, pending;
        var rc = NvmlNative.nvmlDeviceGetMigMode(device.Handle, &current, &pending);
        return rc == NvmlReturn.SUCCESS ? current == 1 : Fail("nvmlDeviceGetMigMode", rc);
    }

    public NvmlResult<uint> GetMaxMigDeviceCount(NvmlDevice device) =>
        Read<uint>(device, Exports.Mig, "nvmlDeviceGetMaxMigDeviceCount", &NvmlNative.nvmlDeviceGetMaxMigDeviceCount);

    public NvmlResult<NvmlDevice> GetMigDeviceHandleByIndex(NvmlDevice parent, uint index)
    {
        if (!Exports.Mig)
        {
            return Missing("nvmlDeviceGetMigDeviceHandleByIndex");
        }

        nint handle;
        var rc = NvmlNative.nvmlDeviceGetMigDeviceHandleByIndex(parent.Handle, index, &handle);
        return rc == NvmlReturn.SUCCESS ? new NvmlDevice(handle) : Fail("nvmlDeviceGetMigDeviceHandleByIndex", rc);
    }

    public NvmlResult<uint> GetGpuInstanceId(NvmlDevice migDevice) =>
        Read<uint>(migDevice, Exports.Mig, "nvmlDeviceGetGpuInstanceId", &NvmlNative.nvmlDeviceGetGpuInstanceId);

    public NvmlResult<uint> GetComputeInstanceId(NvmlDevice migDevice) =>
        Read<uint>(migDevice, Exports.GetComputeInstanceId, "nvmlDeviceGetComputeInstanceId", &NvmlNative.nvmlDeviceGetComputeInstanceId);

    public NvmlResult<uint> GetComputeRunningProcessCount(NvmlDevice device)
    {
        // Asking with a zero-sized buffer: SUCCESS means none, INSUFFICIENT_SIZE sets the count needed.
        uint count = 0;
        NvmlReturn rc;
        string function;
        if (Exports.GetComputeRunningProcessesV3)
        {
            function = "nvmlDeviceGetComputeRunningProcesses_v3";
            rc = NvmlNative.nvmlDeviceGetComputeRunningProcesses_v3(device.Handle, &count, null);
        }
        else if (Exports.GetComputeRunningProcessesV1)
        {
            function = "nvmlDeviceGetComputeRunningProcesses";
            rc = NvmlNative.nvmlDeviceGetComputeRunningProcesses(device.Handle, &count, null);
        }
        else
        {
            return Missing("nvmlDeviceGetComputeRunningProcesses_v3");
        }

        return rc is NvmlReturn.SUCCESS or NvmlReturn.ERROR_INSUFFICIENT_SIZE ? count : Fail(function, rc);
    }

    public void Dispose()
    {
        if (_initialized)
        {
            _initialized = false;
            _ = NvmlNative.nvmlShutdown();
        }
    }

    /// <summary>The common shape: one device, one out value, the return code checked, a missing export answered as NOT_SUPPORTED.</summary>
    private NvmlResult<T> Read<T>(NvmlDevice device, bool exported, string function, delegate*<nint, T*, NvmlReturn> call)
        where T : unmanaged
    {
        if (!exported)
        {
            return Missing(function);
        }

        T value;
        var rc = call(device.Handle, &value);
        return rc == NvmlReturn.SUCCESS ? value : Fail(function, rc);
    }

    /// <summary>Encoder and decoder utilization: the percent, and the sampling period (not used).</summary>
    private NvmlResult<uint> Codec(NvmlDevice device, string function, delegate*<nint, uint*, uint*, NvmlReturn> call)
    {
        if (!Exports.GetEncoderDecoderUtilization)
        {
            return Missing(function);
        }

        uint utilization, period;
        var rc = call(device.Handle, &utilization, &period);
        return rc == NvmlReturn.SUCCESS ? utilization : Fail(function, rc);
    }

    private NvmlExports Exports => _exports ?? throw new InvalidOperationException("NVML is not initialized: call Initialize first.");

    private NvmlError Fail(string function, NvmlReturn code) =>
        _errors.GetOrAdd((function, code), static key => new NvmlError(key.Function, key.Code, ErrorString(key.Code)));

    private NvmlError Missing(string function) =>
        _errors.GetOrAdd((function, NvmlReturn.ERROR_NOT_SUPPORTED), static key =>
            new NvmlError(key.Function, NvmlReturn.ERROR_NOT_SUPPORTED, "not exported by this driver's NVML library"));

    private static string ErrorString(NvmlReturn code)
    {
        var text = NvmlNative.nvmlErrorString(code);
        return text is null ? "unknown error" : Marshal.PtrToStringUTF8((nint)text) ?? "unknown error";
    }

    private static string ReadString(byte* buffer, int capacity)
    {
        var span = new ReadOnlySpan<byte>(buffer, capacity);
        var end = span.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? span : span[..end]);
    }
}
