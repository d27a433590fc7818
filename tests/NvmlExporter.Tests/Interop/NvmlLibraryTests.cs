using NvmlExporter.Interop;
using NvmlExporter.Tests.FakeNvml;

namespace NvmlExporter.Tests.Interop;

/// <summary>The real P/Invoke path against the fake libnvidia-ml built from C.</summary>
[Collection(InProcessNvml.Name)]
public sealed class NvmlLibraryTests : IDisposable
{
    private readonly FakeGpuFleet _fleet = new();
    private readonly NvmlLibrary _nvml = new(FakeGpuFleet.LibraryPath);

    public NvmlLibraryTests() => FakeNvmlControl.UseStateFile(_fleet.StatePath);

    public void Dispose()
    {
        _nvml.Dispose();
        _fleet.Dispose();
    }

    [Fact]
    public void Initialize_FullLibrary_ProbesEveryVersionedExport()
    {
        _fleet.Write(FakeGpuFleet.H100Node(2));

        Assert.True(_nvml.Initialize().IsSuccess);
        Assert.Empty(_nvml.MissingExports);
        Assert.Equal("550.54.15", _nvml.GetDriverVersion().Value);
        Assert.Equal(2u, _nvml.GetDeviceCount().Value);
    }

    [Fact]
    public void Initialize_DriverNotLoaded_ReturnsTypedErrorWithNvmlText()
    {
        _fleet.Write([], initReturn: 9);

        var init = _nvml.Initialize();

        Assert.False(init.IsSuccess);
        Assert.Equal(NvmlReturn.ERROR_DRIVER_NOT_LOADED, init.Code);
        Assert.Equal("nvmlInit_v2", init.Error!.Function);
        Assert.Equal("Driver Not Loaded", init.Error.Message);
        var thrown = Assert.Throws<NvmlException>(() => init.Value);
        Assert.Contains("DRIVER_NOT_LOADED (9)", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DeviceQueries_H100_ReturnTheFakesValuesThroughTheRealStructs()
    {
        var gpu = FakeGpuFleet.H100Node(1)[0] with
        {
            Utilization = 87,
            MemoryUtilization = 33,
            UsedBytes = 40_000_000_000,
            ReservedBytes = 600_000_000,
            Temperature = 61,
            PowerMilliwatts = 412_345,
            SmClock = 1755,
            EccCorrected = 3,
            EccUncorrected = 1,
            Processes = 4,
        };
        _fleet.Write([gpu]);
        Assert.True(_nvml.Initialize().IsSuccess);

        var device = _nvml.GetDeviceHandleByIndex(0).Value;

        Assert.Equal(gpu.Uuid, _nvml.GetUuid(device).Value);
        Assert.Equal("NVIDIA H100 80GB HBM3", _nvml.GetName(device).Value);
        Assert.Equal("00000000:17:00.0", _nvml.GetPciBusId(device).Value);
        Assert.Equal(new NvmlUtilization(87, 33), _nvml.GetUtilization(device).Value);
        // nvmlMemory_v2_t keeps reserved apart from used.
        Assert.Equal(new NvmlMemory(gpu.TotalBytes, gpu.TotalBytes - 40_000_000_000 - 600_000_000, 40_000_000_000, 600_000_000), _nvml.GetMemory(device).Value);
        Assert.Equal(61u, _nvml.GetTemperatureCelsius(device).Value);
        Assert.Equal(412_345u, _nvml.GetPowerUsageMilliwatts(device).Value);
        Assert.Equal(1755u, _nvml.GetSmClockMhz(device).Value);
        Assert.Equal(3ul, _nvml.GetTotalEccErrors(device, NvmlEccErrorType.Corrected).Value);
        Assert.Equal(1ul, _nvml.GetTotalEccErrors(device, NvmlEccErrorType.Uncorrected).Value);
        Assert.Equal(4u, _nvml.GetComputeRunningProcessCount(device).Value);
        Assert.False(_nvml.GetMigEnabled(device).Value);
    }

    [Fact]
    public void MigDevices_A100_AreSparseAndBlindToUtilization()
    {
        var a100 = FakeGpuFleet.A100Mig(0, instances: 3);
        a100 = a100 with { Mig = [a100.Mig[0], a100.Mig[2]] }; // slot 1 empty
        _fleet.Write([a100]);
        Assert.True(_nvml.Initialize().IsSuccess);
        var parent = _nvml.GetDeviceHandleByIndex(0).Value;

        Assert.True(_nvml.GetMigEnabled(parent).Value);
        Assert.Equal(NvmlReturn.ERROR_NOT_SUPPORTED, _nvml.GetUtilization(parent).Code);
        var max = _nvml.GetMaxMigDeviceCount(parent).Value;
        var slots = Enumerable.Range(0, (int)max).Select(i => _nvml.GetMigDeviceHandleByIndex(parent, (uint)i)).ToList();

        Assert.Equal(NvmlReturn.ERROR_NOT_FOUND, slots[1].Code);
        var mig = slots[2].Value;
        Assert.Equal(a100.Mig[1].Uuid, _nvml.GetUuid(mig).Value);
        Assert.Equal(9u, _nvml.GetGpuInstanceId(mig).Value);
        Assert.Equal("NVIDIA A100-SXM4-80GB MIG 1g.10gb", _nvml.GetName(mig).Value);
        Assert.Equal(a100.Mig[1].TotalBytes, _nvml.GetMemory(mig).Value.Total);
        var utilization = _nvml.GetUtilization(mig);
        Assert.Equal(NvmlReturn.ERROR_NOT_SUPPORTED, utilization.Code);
        Assert.Equal("Not Supported", utilization.Error!.Message);
    }

    [Theory]
    // The whole device falls off the bus.
    [InlineData("lost", 15)]
    // A single field times out.
    [InlineData("util", 10)]
    // A single field is unknown.
    [InlineData("util", 999)]
    public void DeviceQueries_Failure_ReturnTheCodeAsData(string failure, int code)
    {
        var gpu = FakeGpuFleet.H100Node(1)[0];
        gpu = failure == "lost" ? gpu with { Lost = true } : gpu with { Failures = new Dictionary<string, int> { [failure] = code } };
        _fleet.Write([FakeGpuFleet.H100Node(2)[1] with { Uuid = FakeGpuFleet.Uuid(9) }, gpu]);
        Assert.True(_nvml.Initialize().IsSuccess);

        var result = failure == "lost"
            ? _nvml.GetDeviceHandleByIndex(1).Code
            : _nvml.GetUtilization(_nvml.GetDeviceHandleByIndex(1).Value).Code;

        Assert.Equal((NvmlReturn)code, result);
        Assert.True(_nvml.GetUtilization(_nvml.GetDeviceHandleByIndex(0).Value).IsSuccess);
    }
}
