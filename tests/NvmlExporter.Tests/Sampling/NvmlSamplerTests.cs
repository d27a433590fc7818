using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using NvmlExporter.Interop;
using NvmlExporter.Sampling;
using NvmlExporter.Tests.FakeNvml;
using NvmlExporter.Tests.Support;

namespace NvmlExporter.Tests.Sampling;

[Collection(InProcessNvml.Name)]
public sealed class NvmlSamplerTests : IDisposable
{
    private readonly FakeGpuFleet _fleet = new();
    private readonly NvmlLibrary _nvml = new(FakeGpuFleet.LibraryPath);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeLogger<NvmlSampler> _log = new();
    private readonly NvmlSampler _sampler;

    public NvmlSamplerTests()
    {
        FakeNvmlControl.UseStateFile(_fleet.StatePath);
        _sampler = new NvmlSampler(_nvml, _time, _log, initRetry: TimeSpan.FromSeconds(10));
    }

    public void Dispose()
    {
        _nvml.Dispose();
        _fleet.Dispose();
    }

    [Fact]
    public void Sample_EightH100_ReadsEveryGpu()
    {
        var node = FakeGpuFleet.H100Node();
        _fleet.Write(node);

        var snapshot = _sampler.Sample();

        Assert.True(snapshot.NvmlUp);
        Assert.Equal("550.54.15", snapshot.DriverVersion);
        Assert.Equal(node.Select(g => g.Uuid), snapshot.Gpus.Select(g => g.Uuid));
        Assert.Equal(node.Select(g => (uint?)g.Utilization), snapshot.Gpus.Select(g => g.GpuUtilizationPercent));
        Assert.Equal(node.Select(g => (ulong?)g.UsedBytes), snapshot.Gpus.Select(g => g.Memory?.Used));
        Assert.Equal(_time.GetUtcNow(), snapshot.Timestamp);
        Assert.Empty(snapshot.Counters.Errors);
    }

    [Fact]
    public void Sample_GpuLostMidRun_OthersStayAndTheLostOneIsMarked()
    {
        var node = FakeGpuFleet.H100Node(3);
        _fleet.Write(node);
        Assert.All(_sampler.Sample().Gpus, g => Assert.True(g.IsUp));

        _fleet.Write([node[0], node[1] with { Lost = true }, node[2]]);
        var snapshot = _sampler.Sample();

        Assert.True(snapshot.Gpus[0].IsUp);
        Assert.True(snapshot.Gpus[2].IsUp);
        Assert.Equal(node[2].Utilization, snapshot.Gpus[2].GpuUtilizationPercent);
        var lost = snapshot.Gpus[1];
        Assert.Equal(NvmlReturn.ERROR_GPU_IS_LOST, lost.Error!.Code);
        Assert.Equal(node[1].Uuid, lost.Uuid); // remembered from the last good read
        Assert.Null(lost.GpuUtilizationPercent);
        Assert.Equal(1, snapshot.Counters.Errors[("nvmlDeviceGetHandleByIndex_v2", NvmlReturn.ERROR_GPU_IS_LOST)]);
        Assert.Single(_log.Collector.GetSnapshot(), e => e.Level == LogLevel.Warning);
    }

    [Fact]
    public void Sample_HotUnplug_DeviceLeavesTheSnapshot()
    {
        var node = FakeGpuFleet.H100Node(4);
        _fleet.Write(node);
        Assert.Equal(4, _sampler.Sample().Gpus.Length);

        _fleet.Write(node.Take(3));

        Assert.Equal(node.Take(3).Select(g => g.Uuid), _sampler.Sample().Gpus.Select(g => g.Uuid));
    }

    [Fact]
    public void Sample_MigReconfigured_InstancesFollow()
    {
        _fleet.Write([FakeGpuFleet.A100Mig(0, instances: 7)]);
        var before = _sampler.Sample().Gpus.Single();
        Assert.Equal(7, before.MigDevices.Length);
        Assert.All(before.MigDevices, m => Assert.Equal("1g.10gb", m.Profile));

        var big = FakeGpuFleet.A100Mig(0, instances: 0) with
        {
            Mig = [new FakeMig(0, FakeGpuFleet.MigUuid(0, 40), 1, "3g.40gb") { TotalBytes = 42_949_672_960 }, new FakeMig(1, FakeGpuFleet.MigUuid(0, 41), 2, "3g.40gb")],
        };
        _fleet.Write([big]);
        var after = _sampler.Sample().Gpus.Single();

        Assert.Equal([1u, 2u], after.MigDevices.Select(m => m.GpuInstanceId));
        Assert.Equal("3g.40gb", after.MigDevices[0].Profile);
        Assert.Equal(42_949_672_960ul, after.MigDevices[0].Memory!.Value.Total);
    }

    [Fact]
    public void Sample_MigGpu_UtilizationIsAbsentNotZero_AndNotCountedAsError()
    {
        _fleet.Write([FakeGpuFleet.A100Mig(0, instances: 2)]);

        var gpu = _sampler.Sample().Gpus.Single();

        Assert.True(gpu.MigEnabled);
        Assert.Null(gpu.GpuUtilizationPercent);
        Assert.Null(gpu.Memory); // the parent's aggregate needs privileges
        Assert.Empty(_sampler.Sample().Counters.Errors);
    }

    [Fact]
    public void Sample_FieldTimesOut_OnlyThatFieldIsAbsentAndCounted()
    {
        var gpu = FakeGpuFleet.H100Node(1)[0] with { Failures = new Dictionary<string, int> { ["power"] = 10 } };
        _fleet.Write([gpu]);

        var snapshot = _sampler.Sample();

        var reading = snapshot.Gpus.Single();
        Assert.Null(reading.PowerMilliwatts);
        Assert.Equal(gpu.Utilization, reading.GpuUtilizationPercent);
        Assert.Equal(1, snapshot.Counters.Errors[("nvmlDeviceGetPowerUsage", NvmlReturn.ERROR_TIMEOUT)]);
    }

    [Fact]
    public void Sample_NoDriver_ReportsDownLogsOnceAndRetriesSlowly()
    {
        _fleet.Write([], initReturn: 9);
        var callsBefore = FakeNvmlControl.CallCount;

        for (var i = 0; i < 30; i++)
        {
            var snapshot = _sampler.Sample();
            Assert.False(snapshot.NvmlUp);
            Assert.Contains("DRIVER_NOT_LOADED", snapshot.NvmlDownReason, StringComparison.Ordinal);
            Assert.Empty(snapshot.Gpus);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Single(_log.Collector.GetSnapshot());
        // 30 s at one init attempt per 10 s.
        Assert.InRange(FakeNvmlControl.CallCount - callsBefore, 3ul, 4ul);
    }

    [Fact]
    public void Sample_DriverArrivesLater_ComesUp()
    {
        _fleet.Write([], initReturn: 9);
        Assert.False(_sampler.Sample().NvmlUp);

        _fleet.Write(FakeGpuFleet.H100Node(2));
        Assert.False(_sampler.Sample().NvmlUp); // within the retry pace
        _time.Advance(TimeSpan.FromSeconds(10));
        var snapshot = _sampler.Sample();

        Assert.True(snapshot.NvmlUp);
        Assert.Equal(2, snapshot.Gpus.Length);
    }

    [Theory]
    // The profile is the name's suffix after "MIG ".
    [InlineData("NVIDIA A100-SXM4-80GB MIG 1g.10gb", "1g.10gb")]
    [InlineData("NVIDIA H100 80GB HBM3 MIG 3g.40gb", "3g.40gb")]
    // Names without a profile, or no name at all.
    [InlineData("NVIDIA A100-SXM4-80GB", "unknown")]
    [InlineData(null, "unknown")]
    public void MigProfile_FromName(string? name, string expected) => Assert.Equal(expected, NvmlSampler.MigProfile(name));

    [Fact]
    public void Sample_HealthFields_ReadForEachGpu()
    {
        var gpu = FakeGpuFleet.H100Node(1)[0] with { MemoryClock = 1593, EncoderUtilization = 9, PcieReplays = 2, ClocksEventReasons = 0x20, RemapFailed = true };
        _fleet.Write([gpu]);

        var reading = _sampler.Sample().Gpus.Single();

        Assert.Equal(1593u, reading.MemoryClockMhz);
        Assert.Equal(9u, reading.EncoderUtilizationPercent);
        Assert.Equal(2u, reading.PcieReplays);
        Assert.Equal(gpu.EnergyMillijoules, reading.EnergyMillijoules);
        Assert.Equal(0x20ul, reading.ClocksEventReasons);
        Assert.True(reading.RemappedRows!.Value.Failed);
        // Retired pages are NOT_SUPPORTED on a board that remaps rows: absent, and not an error.
        Assert.Null(reading.RetiredPagesSingleBit);
        Assert.Null(reading.Xid); // nobody watches XIDs in this sampler
    }

    [Fact]
    public void Sample_MigGpu_CodecAndRowRemapAbsent_NotCountedAsErrors()
    {
        _fleet.Write([FakeGpuFleet.A100Mig(0, instances: 2)]);

        var snapshot = _sampler.Sample();

        var gpu = snapshot.Gpus.Single();
        Assert.Null(gpu.EncoderUtilizationPercent);
        Assert.Null(gpu.RemappedRows);
        Assert.NotNull(gpu.ClocksEventReasons); // board-wide: on the parent
        Assert.Empty(snapshot.Counters.Errors);
    }

    [Fact]
    public void Sample_WatchedGpu_CarriesItsXidReading()
    {
        var xids = new XidStore();
        var sampler = new NvmlSampler(_nvml, _time, _log, xids: xids);
        var node = FakeGpuFleet.H100Node(2);
        _fleet.Write(node);
        xids.Watching(node[0].Uuid);
        xids.Record(node[0].Uuid, 79);

        var gpus = sampler.Sample().Gpus;

        Assert.Equal(79ul, gpus[0].Xid!.Last);
        Assert.Equal(1, gpus[0].Xid!.Counts[79]);
        Assert.Null(gpus[1].Xid);
    }
}
