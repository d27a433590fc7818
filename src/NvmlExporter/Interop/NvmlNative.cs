using System.Runtime.InteropServices;

namespace NvmlExporter.Interop;

// Layouts for x86-64 and aarch64 (LP64) from shared/reference/nvml-dcgm.md section 1.5.

[StructLayout(LayoutKind.Sequential)]
internal struct nvmlUtilization_t
{
    public uint gpu;
    public uint memory;
}

[StructLayout(LayoutKind.Sequential)]
internal struct nvmlMemory_t
{
    public ulong total;
    public ulong free;
    public ulong used;
}

[StructLayout(LayoutKind.Sequential)]
internal struct nvmlMemory_v2_t
{
    /// <summary><c>sizeof(nvmlMemory_v2_t) | (2 &lt;&lt; 24)</c> = 0x02000028. A wrong stamp answers ARGUMENT_VERSION_MISMATCH.</summary>
    public const uint Version2 = 40u | (2u << 24);

    public uint version;
    public ulong total;
    public ulong reserved;
    public ulong free;
    public ulong used;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct nvmlPciInfo_t
{
    public fixed byte busIdLegacy[16];
    public uint domain;
    public uint bus;
    public uint device;
    public uint pciDeviceId;
    public uint pciSubSystemId;
    public fixed byte busId[32];
}

[StructLayout(LayoutKind.Sequential)]
internal struct nvmlProcessInfo_t
{
    public uint pid;
    public ulong usedGpuMemory;
    public uint gpuInstanceId;
    public uint computeInstanceId;
}

[StructLayout(LayoutKind.Sequential)]
internal struct nvmlProcessInfo_v1_t
{
    public uint pid;
    public ulong usedGpuMemory;
}

[StructLayout(LayoutKind.Sequential)]
internal struct nvmlEventData_t
{
    public nint device;
    public ulong eventType;

    /// <summary>For an XID event, the XID number (999 when unknown).</summary>
    public ulong eventData;
    public uint gpuInstanceId;
    public uint computeInstanceId;
}

/// <summary>
/// The only place with NVML P/Invoke declarations. Entry points are explicit and versioned; calls to
/// an export that the loaded library lacks are never made (see <see cref="NvmlExports"/>), so an old
/// driver degrades to "not supported" instead of <see cref="EntryPointNotFoundException"/>.
/// </summary>
internal static unsafe partial class NvmlNative
{
    /// <summary>The driver's versioned file name; the unversioned .so is a dev-package file.</summary>
    public const string LibraryName = "libnvidia-ml.so.1";

    [LibraryImport(LibraryName, EntryPoint = "nvmlInit_v2")]
    public static partial NvmlReturn nvmlInit_v2();

    [LibraryImport(LibraryName, EntryPoint = "nvmlInit")]
    public static partial NvmlReturn nvmlInit();

    [LibraryImport(LibraryName, EntryPoint = "nvmlShutdown")]
    public static partial NvmlReturn nvmlShutdown();

    [LibraryImport(LibraryName, EntryPoint = "nvmlErrorString")]
    public static partial byte* nvmlErrorString(NvmlReturn result);

    [LibraryImport(LibraryName, EntryPoint = "nvmlSystemGetDriverVersion")]
    public static partial NvmlReturn nvmlSystemGetDriverVersion(byte* version, uint length);

    [LibraryImport(LibraryName, EntryPoint = "nvmlSystemGetNVMLVersion")]
    public static partial NvmlReturn nvmlSystemGetNVMLVersion(byte* version, uint length);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetCount_v2")]
    public static partial NvmlReturn nvmlDeviceGetCount_v2(uint* count);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetCount")]
    public static partial NvmlReturn nvmlDeviceGetCount(uint* count);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetHandleByIndex_v2")]
    public static partial NvmlReturn nvmlDeviceGetHandleByIndex_v2(uint index, nint* device);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetHandleByIndex")]
    public static partial NvmlReturn nvmlDeviceGetHandleByIndex(uint index, nint* device);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetUUID")]
    public static partial NvmlReturn nvmlDeviceGetUUID(nint device, byte* uuid, uint length);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetName")]
    public static partial NvmlReturn nvmlDeviceGetName(nint device, byte* name, uint length);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetPciInfo_v3")]
    public static partial NvmlReturn nvmlDeviceGetPciInfo_v3(nint device, nvmlPciInfo_t* pci);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetUtilizationRates")]
    public static partial NvmlReturn nvmlDeviceGetUtilizationRates(nint device, nvmlUtilization_t* utilization);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMemoryInfo_v2")]
    public static partial NvmlReturn nvmlDeviceGetMemoryInfo_v2(nint device, nvmlMemory_v2_t* memory);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMemoryInfo")]
    public static partial NvmlReturn nvmlDeviceGetMemoryInfo(nint device, nvmlMemory_t* memory);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetTemperature")]
    public static partial NvmlReturn nvmlDeviceGetTemperature(nint device, int sensorType, uint* temp);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetPowerUsage")]
    public static partial NvmlReturn nvmlDeviceGetPowerUsage(nint device, uint* milliwatts);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetClockInfo")]
    public static partial NvmlReturn nvmlDeviceGetClockInfo(nint device, int clockType, uint* mhz);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetTotalEccErrors")]
    public static partial NvmlReturn nvmlDeviceGetTotalEccErrors(nint device, int errorType, int counterType, ulong* count);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMigMode")]
    public static partial NvmlReturn nvmlDeviceGetMigMode(nint device, uint* currentMode, uint* pendingMode);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMaxMigDeviceCount")]
    public static partial NvmlReturn nvmlDeviceGetMaxMigDeviceCount(nint device, uint* count);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetMigDeviceHandleByIndex")]
    public static partial NvmlReturn nvmlDeviceGetMigDeviceHandleByIndex(nint device, uint index, nint* migDevice);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetGpuInstanceId")]
    public static partial NvmlReturn nvmlDeviceGetGpuInstanceId(nint device, uint* id);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetComputeInstanceId")]
    public static partial NvmlReturn nvmlDeviceGetComputeInstanceId(nint device, uint* id);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetComputeRunningProcesses_v3")]
    public static partial NvmlReturn nvmlDeviceGetComputeRunningProcesses_v3(nint device, uint* infoCount, nvmlProcessInfo_t* infos);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetComputeRunningProcesses")]
    public static partial NvmlReturn nvmlDeviceGetComputeRunningProcesses(nint device, uint* infoCount, nvmlProcessInfo_v1_t* infos);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetTotalEnergyConsumption")]
    public static partial NvmlReturn nvmlDeviceGetTotalEnergyConsumption(nint device, ulong* millijoules);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetEncoderUtilization")]
    public static partial NvmlReturn nvmlDeviceGetEncoderUtilization(nint device, uint* utilization, uint* samplingPeriodUs);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetDecoderUtilization")]
    public static partial NvmlReturn nvmlDeviceGetDecoderUtilization(nint device, uint* utilization, uint* samplingPeriodUs);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetPcieReplayCounter")]
    public static partial NvmlReturn nvmlDeviceGetPcieReplayCounter(nint device, uint* value);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetCurrentClocksEventReasons")]
    public static partial NvmlReturn nvmlDeviceGetCurrentClocksEventReasons(nint device, ulong* reasons);

    /// <summary>The name of <c>nvmlDeviceGetCurrentClocksEventReasons</c> before driver 535; same signature and bits.</summary>
    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetCurrentClocksThrottleReasons")]
    public static partial NvmlReturn nvmlDeviceGetCurrentClocksThrottleReasons(nint device, ulong* reasons);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetRetiredPages")]
    public static partial NvmlReturn nvmlDeviceGetRetiredPages(nint device, int cause, uint* pageCount, ulong* addresses);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetRetiredPagesPendingStatus")]
    public static partial NvmlReturn nvmlDeviceGetRetiredPagesPendingStatus(nint device, int* isPending);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceGetRemappedRows")]
    public static partial NvmlReturn nvmlDeviceGetRemappedRows(nint device, uint* corrRows, uint* uncRows, uint* isPending, uint* failureOccurred);

    [LibraryImport(LibraryName, EntryPoint = "nvmlEventSetCreate")]
    public static partial NvmlReturn nvmlEventSetCreate(nint* set);

    [LibraryImport(LibraryName, EntryPoint = "nvmlDeviceRegisterEvents")]
    public static partial NvmlReturn nvmlDeviceRegisterEvents(nint device, ulong eventTypes, nint set);

    [LibraryImport(LibraryName, EntryPoint = "nvmlEventSetWait_v2")]
    public static partial NvmlReturn nvmlEventSetWait_v2(nint set, nvmlEventData_t* data, uint timeoutMs);

    [LibraryImport(LibraryName, EntryPoint = "nvmlEventSetFree")]
    public static partial NvmlReturn nvmlEventSetFree(nint set);
}

/// <summary>Which optional exports the loaded library has, probed once at load with <c>dlsym</c>.</summary>
internal sealed record NvmlExports(
    bool InitV2,
    bool GetCountV2,
    bool GetHandleByIndexV2,
    bool GetPciInfoV3,
    bool GetMemoryInfoV2,
    bool GetTemperature,
    bool GetPowerUsage,
    bool GetClockInfo,
    bool GetTotalEccErrors,
    bool Mig,
    bool GetComputeInstanceId,
    bool GetComputeRunningProcessesV3,
    bool GetComputeRunningProcessesV1,
    bool GetTotalEnergyConsumption,
    bool GetEncoderDecoderUtilization,
    bool GetPcieReplayCounter,
    bool GetClocksEventReasons,
    bool GetClocksThrottleReasons,
    bool GetRetiredPages,
    bool GetRemappedRows,
    bool Events,
    IReadOnlyList<string> Missing)
{
    private static readonly string[] Optional =
    [
        "nvmlInit_v2", "nvmlDeviceGetCount_v2", "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetPciInfo_v3",
        "nvmlDeviceGetMemoryInfo_v2", "nvmlDeviceGetTemperature", "nvmlDeviceGetPowerUsage", "nvmlDeviceGetClockInfo",
        "nvmlDeviceGetTotalEccErrors", "nvmlDeviceGetMigMode", "nvmlDeviceGetMaxMigDeviceCount",
        "nvmlDeviceGetMigDeviceHandleByIndex", "nvmlDeviceGetGpuInstanceId", "nvmlDeviceGetComputeInstanceId",
        "nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses",
        "nvmlDeviceGetTotalEnergyConsumption", "nvmlDeviceGetEncoderUtilization", "nvmlDeviceGetDecoderUtilization",
        "nvmlDeviceGetPcieReplayCounter", "nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons",
        "nvmlDeviceGetRetiredPages", "nvmlDeviceGetRetiredPagesPendingStatus", "nvmlDeviceGetRemappedRows",
        "nvmlEventSetCreate", "nvmlDeviceRegisterEvents", "nvmlEventSetWait_v2", "nvmlEventSetFree",
    ];

    /// <summary>Exports every usable library has; without them the library is refused at load.</summary>
    public static readonly string[] Required =
    [
        "nvmlShutdown", "nvmlErrorString", "nvmlSystemGetDriverVersion", "nvmlDeviceGetUUID", "nvmlDeviceGetName",
        "nvmlDeviceGetUtilizationRates",
    ];

    public static NvmlExports Probe(nint library)
    {
        var has = new HashSet<string>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var name in Optional)
        {
            if (NativeLibrary.TryGetExport(library, name, out _))
            {
                has.Add(name);
            }
            else
            {
                missing.Add(name);
            }
        }

        return new NvmlExports(
            InitV2: has.Contains("nvmlInit_v2"),
            GetCountV2: has.Contains("nvmlDeviceGetCount_v2"),
            GetHandleByIndexV2: has.Contains("nvmlDeviceGetHandleByIndex_v2"),
            GetPciInfoV3: has.Contains("nvmlDeviceGetPciInfo_v3"),
            GetMemoryInfoV2: has.Contains("nvmlDeviceGetMemoryInfo_v2"),
            GetTemperature: has.Contains("nvmlDeviceGetTemperature"),
            GetPowerUsage: has.Contains("nvmlDeviceGetPowerUsage"),
            GetClockInfo: has.Contains("nvmlDeviceGetClockInfo"),
            GetTotalEccErrors: has.Contains("nvmlDeviceGetTotalEccErrors"),
            Mig: has.Contains("nvmlDeviceGetMigMode") && has.Contains("nvmlDeviceGetMaxMigDeviceCount")
                && has.Contains("nvmlDeviceGetMigDeviceHandleByIndex") && has.Contains("nvmlDeviceGetGpuInstanceId"),
            GetComputeInstanceId: has.Contains("nvmlDeviceGetComputeInstanceId"),
            GetComputeRunningProcessesV3: has.Contains("nvmlDeviceGetComputeRunningProcesses_v3"),
            GetComputeRunningProcessesV1: has.Contains("nvmlDeviceGetComputeRunningProcesses"),
            GetTotalEnergyConsumption: has.Contains("nvmlDeviceGetTotalEnergyConsumption"),
            GetEncoderDecoderUtilization: has.Contains("nvmlDeviceGetEncoderUtilization") && has.Contains("nvmlDeviceGetDecoderUtilization"),
            GetPcieReplayCounter: has.Contains("nvmlDeviceGetPcieReplayCounter"),
            GetClocksEventReasons: has.Contains("nvmlDeviceGetCurrentClocksEventReasons"),
            GetClocksThrottleReasons: has.Contains("nvmlDeviceGetCurrentClocksThrottleReasons"),
            GetRetiredPages: has.Contains("nvmlDeviceGetRetiredPages") && has.Contains("nvmlDeviceGetRetiredPagesPendingStatus"),
            GetRemappedRows: has.Contains("nvmlDeviceGetRemappedRows"),
            Events: has.Contains("nvmlEventSetCreate") && has.Contains("nvmlDeviceRegisterEvents")
                && has.Contains("nvmlEventSetWait_v2") && has.Contains("nvmlEventSetFree"),
            Missing: missing);
    }
}
