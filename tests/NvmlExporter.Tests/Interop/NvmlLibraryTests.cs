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
        Assert.Equal(1755u, _nvml.GetClockMhz(device, NvmlClock.Sm).Value);
        Assert.Equal(3ul, _nvml.GetTotalEccErrors(device, NvmlEccErrorType.Corrected, NvmlEccCounter.Volatile).Value);
        Assert.Equal(1ul, _nvml.GetTotalEccErrors(device, NvmlEccErrorType.Uncorrected, NvmlEccCounter.Volatile).Value);
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

    [Fact]
    public void HealthQueries_H100_ReturnTheFakesValuesThroughTheRealSignatures()
    {
        var gpu = FakeGpuFleet.H100Node(1)[0] with
        {
            MemoryClock = 2619,
            EnergyMillijoules = 9_876_543_210,
            EncoderUtilization = 21,
            DecoderUtilization = 43,
            PcieReplays = 6,
            EccCorrectedAggregate = 11,
            EccUncorrectedAggregate = 2,
            ClocksEventReasons = 0x24,
            RemappedCorrectable = 5,
            RemappedUncorrectable = 1,
            RemapPending = true,
        };
        _fleet.Write([gpu]);
        Assert.True(_nvml.Initialize().IsSuccess);

        var device = _nvml.GetDeviceHandleByIndex(0).Value;

        Assert.Equal(2619u, _nvml.GetClockMhz(device, NvmlClock.Memory).Value);
        Assert.Equal(9_876_543_210ul, _nvml.GetTotalEnergyMillijoules(device).Value);
        Assert.Equal(21u, _nvml.GetEncoderUtilization(device).Value);
        Assert.Equal(43u, _nvml.GetDecoderUtilization(device).Value);
        Assert.Equal(6u, _nvml.GetPcieReplayCounter(device).Value);
        Assert.Equal(11ul, _nvml.GetTotalEccErrors(device, NvmlEccErrorType.Corrected, NvmlEccCounter.Aggregate).Value);
        Assert.Equal(2ul, _nvml.GetTotalEccErrors(device, NvmlEccErrorType.Uncorrected, NvmlEccCounter.Aggregate).Value);
        Assert.Equal(0x24ul, _nvml.GetClocksEventReasons(device).Value);
        Assert.Equal(new NvmlRemappedRows(5, 1, Pending: true, Failed: false), _nvml.GetRemappedRows(device).Value);
        // An H100 remaps rows; it does not retire pages.
        Assert.Equal(NvmlReturn.ERROR_NOT_SUPPORTED, _nvml.GetRetiredPageCount(device, NvmlPageRetirementCause.DoubleBitError).Code);
    }

    [Fact]
    public void RetiredPages_Volta_CountsThroughTheTwoCallPattern()
    {
        var v100 = FakeGpuFleet.H100Node(1)[0] with { Name = "Tesla V100-SXM2-32GB", RowRemapping = false, RetiredSingleBit = 3, RetiredDoubleBit = 0, RetirementPending = true };
        _fleet.Write([v100]);
        Assert.True(_nvml.Initialize().IsSuccess);

        var device = _nvml.GetDeviceHandleByIndex(0).Value;

        Assert.Equal(3u, _nvml.GetRetiredPageCount(device, NvmlPageRetirementCause.MultipleSingleBitErrors).Value);
        Assert.Equal(0u, _nvml.GetRetiredPageCount(device, NvmlPageRetirementCause.DoubleBitError).Value);
        Assert.True(_nvml.GetRetiredPagesPending(device).Value);
        Assert.Equal(NvmlReturn.ERROR_NOT_SUPPORTED, _nvml.GetRemappedRows(device).Code);
    }

    [Fact]
    public void XidEvents_RegisteredGpu_DeliversEachXidOnceThenTimesOut()
    {
        var node = FakeGpuFleet.H100Node(2);
        _fleet.Write(node);
        Assert.True(_nvml.Initialize().IsSuccess);
        var events = _nvml.CreateEventSet().Value;
        try
        {
            var second = _nvml.GetDeviceHandleByIndex(1).Value;
            Assert.True(_nvml.RegisterXidEvents(second, events).Value);
            Assert.Equal(NvmlReturn.ERROR_TIMEOUT, _nvml.WaitForXid(events, TimeSpan.FromMilliseconds(50)).Code);

            _fleet.Write([node[0] with { Xids = [13] }, node[1] with { Xids = [79, 48] }]);

            Assert.Equal(new NvmlXidEvent(second, 79), _nvml.WaitForXid(events, TimeSpan.FromSeconds(5)).Value);
            Assert.Equal(new NvmlXidEvent(second, 48), _nvml.WaitForXid(events, TimeSpan.FromSeconds(5)).Value);
            // GPU 0's XID 13 is not registered on this set.
            Assert.Equal(NvmlReturn.ERROR_TIMEOUT, _nvml.WaitForXid(events, TimeSpan.FromMilliseconds(100)).Code);
        }
        finally
        {
            _nvml.FreeEventSet(events);
        }
    }

    [Fact]
    public void XidEvents_MigDeviceHandle_CannotBeRegistered()
    {
        _fleet.Write([FakeGpuFleet.A100Mig(0, instances: 1)]);
        Assert.True(_nvml.Initialize().IsSuccess);
        var events = _nvml.CreateEventSet().Value;
        try
        {
            var mig = _nvml.GetMigDeviceHandleByIndex(_nvml.GetDeviceHandleByIndex(0).Value, 0).Value;

            Assert.Equal(NvmlReturn.ERROR_NOT_SUPPORTED, _nvml.RegisterXidEvents(mig, events).Code);
        }
        finally
        {
            _nvml.FreeEventSet(events);
        }
    }
}
