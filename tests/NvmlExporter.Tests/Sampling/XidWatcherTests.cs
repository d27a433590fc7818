using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using NvmlExporter.Attribution;
using NvmlExporter.Interop;
using NvmlExporter.Metrics;
using NvmlExporter.Sampling;
using NvmlExporter.Tests.FakeNvml;
using NvmlExporter.Tests.Support;
using Scaler.Testing;

namespace NvmlExporter.Tests.Sampling;

/// <summary>The XID watcher on its own thread, against the fake library's event API.</summary>
[Collection(InProcessNvml.Name)]
public sealed class XidWatcherTests : IDisposable
{
    private readonly FakeGpuFleet _fleet = new();
    private readonly NvmlLibrary _nvml = new(FakeGpuFleet.LibraryPath);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly XidStore _store = new();
    private readonly MetricsDocument _document;
    private readonly NvmlSampler _sampler;

    public XidWatcherTests()
    {
        FakeNvmlControl.UseStateFile(_fleet.StatePath);
        _document = new MetricsDocument(new MetricsRenderer("node-a"), new AttributionStore(), _time);
        _sampler = new NvmlSampler(_nvml, _time, new FakeLogger<NvmlSampler>(), xids: _store);
    }

    public void Dispose()
    {
        _nvml.Dispose();
        _fleet.Dispose();
    }

    [Fact]
    public async Task Watch_XidOnOneGpu_RecordedForThatGpuOnly()
    {
        var node = FakeGpuFleet.H100Node(2);
        _fleet.Write(node);
        _document.Publish(_sampler.Sample());
        var log = new FakeLogger<XidWatcher>();
        using var watcher = new XidWatcher(_nvml, _document, _store, log, TimeSpan.FromMilliseconds(50));
        await watcher.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.HoldsAsync(() => _store.For(node[1].Uuid) is not null);
            Assert.Equal(XidReading.None, _store.For(node[0].Uuid));

            _fleet.Write([node[0], node[1] with { Xids = [31, 31] }]);
            await Eventually.HoldsAsync(() => _store.For(node[1].Uuid)!.Counts.GetValueOrDefault(31ul) == 2);

            Assert.Equal(31ul, _store.For(node[1].Uuid)!.Last);
            Assert.Empty(_store.For(node[0].Uuid)!.Counts);
            Assert.Equal(2, log.Collector.GetSnapshot().Select(e => e.Message).Count(m => m.Contains("XID 31 on GPU " + node[1].Uuid, StringComparison.Ordinal)));
        }
        finally
        {
            await watcher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Watch_GpuRefusesRegistration_ItIsLeftOutAndNamedOnce()
    {
        var node = FakeGpuFleet.H100Node(2);
        _fleet.Write([node[0] with { Failures = new Dictionary<string, int> { ["events"] = (int)NvmlReturn.ERROR_NO_PERMISSION } }, node[1]]);
        _document.Publish(_sampler.Sample());
        var log = new FakeLogger<XidWatcher>();
        using var watcher = new XidWatcher(_nvml, _document, _store, log, TimeSpan.FromMilliseconds(50));
        await watcher.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.HoldsAsync(() => _store.For(node[1].Uuid) is not null && log.Collector.GetSnapshot().Select(e => e.Message).Any(m => m.Contains("cannot be registered", StringComparison.Ordinal)));
            // Let the loop go round several more times (each round makes NVML calls).
            var calls = FakeNvmlControl.CallCount;
            await Eventually.HoldsAsync(() => FakeNvmlControl.CallCount > calls + 20);

            Assert.Null(_store.For(node[0].Uuid));
            Assert.Single(log.Collector.GetSnapshot().Select(e => e.Message), m => m.Contains(node[0].Uuid, StringComparison.Ordinal) && m.Contains("NO_PERMISSION", StringComparison.Ordinal));
        }
        finally
        {
            await watcher.StopAsync(CancellationToken.None);
        }
    }
}
