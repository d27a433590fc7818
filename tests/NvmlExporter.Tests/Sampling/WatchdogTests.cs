using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using NvmlExporter.Attribution;
using NvmlExporter.Interop;
using NvmlExporter.Metrics;
using NvmlExporter.Sampling;
using NvmlExporter.Tests.FakeNvml;
using Scaler.Testing;

namespace NvmlExporter.Tests.Sampling;

/// <summary>
/// A truly hung NVML call (the fake library blocks in the call, on real time) costs one GPU, or reports NVML down
/// while a call every sample needs hangs; it never stalls the sampling loop or the scrape.
/// </summary>
[Collection(InProcessNvml.Name)]
public sealed class WatchdogTests : IDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMilliseconds(300);
    private readonly FakeGpuFleet _fleet = new();
    private readonly NvmlLibrary _nvml = new(FakeGpuFleet.LibraryPath);
    private readonly FakeLogger<NvmlSampler> _log = new();
    private readonly IReadOnlyList<FakeGpu> _node = FakeGpuFleet.H100Node(4);

    public WatchdogTests() => FakeNvmlControl.UseStateFile(_fleet.StatePath);

    public void Dispose()
    {
        // Whatever the test did, no call stays hung in the library after it.
        _fleet.Write(_node);
        _nvml.Dispose();
        _fleet.Dispose();
    }

    [Fact]
    public async Task Sample_OneGpuHangsInACall_ThatGpuMarkedStuckAndTheOthersStillSampled()
    {
        var sampler = new NvmlSampler(_nvml, TimeProvider.System, _log, callTimeout: CallTimeout);
        _fleet.Write(_node);
        Assert.All(sampler.Sample().Gpus, g => Assert.True(g.IsUp));

        _fleet.Write([_node[0], _node[1], _node[2] with { Hang = true }, _node[3]]);
        var first = sampler.Sample();
        var second = sampler.Sample();
        var rendered = Render(second);

        foreach (var snapshot in new[] { first, second })
        {
            Assert.Equal([true, true, false, true], snapshot.Gpus.Select(g => g.IsUp));
            Assert.Equal(_node[3].Utilization, snapshot.Gpus[3].GpuUtilizationPercent);
            Assert.Equal(NvmlReturn.ERROR_TIMEOUT, snapshot.Gpus[2].Error!.Code);
            Assert.Equal(_node[2].Uuid, snapshot.Gpus[2].Uuid);
            Assert.Equal(1, snapshot.StuckCalls);
        }

        // The stuck GPU is not called again while its call hangs: the second sample does not wait for it.
        Assert.True(second.Duration < CallTimeout, $"the second sample took {second.Duration}");
        Assert.Contains("nvml_exporter_nvml_calls_stuck 1", rendered, StringComparison.Ordinal);
        Assert.Contains($"nvml_exporter_device_up{{gpu=\"2\",uuid=\"{_node[2].Uuid}\"", rendered, StringComparison.Ordinal);
        Assert.DoesNotContain($"UUID=\"{_node[2].Uuid}\"", rendered, StringComparison.Ordinal);
        Assert.Contains($"UUID=\"{_node[3].Uuid}\"", rendered, StringComparison.Ordinal);
        Assert.Single(_log.Collector.GetSnapshot(), e => e.Id.Id == 5);

        // The call returns: the GPU is read again.
        _fleet.Write(_node);
        var back = await Eventually.ReturnsAsync(() => Task.FromResult(sampler.Sample()), s => s.Gpus.All(g => g.IsUp));
        Assert.Equal(0, back.StuckCalls);
        Assert.Equal(_node[2].Utilization, back.Gpus[2].GpuUtilizationPercent);
    }

    [Fact]
    public async Task Service_DeviceCountHangs_NvmlReportedDownWhileTheLoopKeepsBeatingAndServing()
    {
        var sampler = new NvmlSampler(_nvml, TimeProvider.System, _log, callTimeout: CallTimeout);
        var document = new MetricsDocument(new MetricsRenderer("node-a"), new AttributionStore(), TimeProvider.System);
        var heartbeat = new SamplerHeartbeat();
        var logs = new FakeLogger<SamplingService>();
        _fleet.Write(_node);
        using var service = new SamplingService(sampler, document, heartbeat, TimeSpan.FromMilliseconds(100), TimeProvider.System, logs, stallAfter: CallTimeout * 2);
        await service.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => Scrape(document).Result.Contains("nvml_exporter_nvml_up 1", StringComparison.Ordinal));

        _fleet.Write(_node, hangCount: true);
        var down = await Eventually.ReturnsAsync(() => Scrape(document), m => m.Contains("nvml_exporter_nvml_up 0", StringComparison.Ordinal));
        var beatWhileHung = heartbeat.Last;
        await Eventually.HoldsAsync(() => heartbeat.Last > beatWhileHung);

        Assert.Contains("nvml_exporter_nvml_calls_stuck 1", down, StringComparison.Ordinal);
        Assert.DoesNotContain("DCGM_FI_DEV_GPU_UTIL{", down, StringComparison.Ordinal);
        Assert.Contains(logs.Collector.GetSnapshot(), e => e.Id.Id == 11);

        _fleet.Write(_node);
        var up = await Eventually.ReturnsAsync(() => Scrape(document), m => m.Contains("nvml_exporter_nvml_up 1", StringComparison.Ordinal));
        Assert.Contains("DCGM_FI_DEV_GPU_UTIL{", up, StringComparison.Ordinal);
        Assert.Contains(logs.Collector.GetSnapshot(), e => e.Id.Id == 12);
        await service.StopAsync(CancellationToken.None);
    }

    private static string Render(NvmlSnapshot snapshot)
    {
        var document = new MetricsDocument(new MetricsRenderer("node-a"), new AttributionStore(), TimeProvider.System);
        document.Publish(snapshot);
        return Scrape(document).GetAwaiter().GetResult();
    }

    private static async Task<string> Scrape(MetricsDocument document)
    {
        using var body = new MemoryStream();
        await document.WriteAsync(body, CancellationToken.None);
        return Encoding.UTF8.GetString(body.ToArray());
    }
}
