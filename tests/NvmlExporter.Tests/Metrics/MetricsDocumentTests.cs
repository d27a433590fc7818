using Microsoft.Extensions.Logging.Testing;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using NvmlExporter.Attribution;
using NvmlExporter.Interop;
using NvmlExporter.Metrics;
using NvmlExporter.Sampling;
using NvmlExporter.Tests.FakeNvml;
using NvmlExporter.Tests.Support;

namespace NvmlExporter.Tests.Metrics;

[Collection(InProcessNvml.Name)]
public sealed class MetricsDocumentTests : IDisposable
{
    private readonly FakeGpuFleet _fleet = new();
    private readonly NvmlLibrary _nvml = new(FakeGpuFleet.LibraryPath);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    public MetricsDocumentTests() => FakeNvmlControl.UseStateFile(_fleet.StatePath);

    public void Dispose()
    {
        _nvml.Dispose();
        _fleet.Dispose();
    }

    [Fact]
    public async Task Scrape_ServesTheLastSnapshot_WithoutCallingNvml()
    {
        _fleet.Write(FakeGpuFleet.H100Node());
        var sampler = new NvmlSampler(_nvml, _time, new FakeLogger<NvmlSampler>());
        var store = new AttributionStore();
        var document = new MetricsDocument(new MetricsRenderer("node-a"), store, _time);
        document.Publish(sampler.Sample());
        var calls = FakeNvmlControl.CallCount;

        for (var i = 0; i < 100; i++)
        {
            using var body = new MemoryStream();
            await document.WriteAsync(body, CancellationToken.None);
            Assert.Contains("DCGM_FI_DEV_GPU_UTIL", Encoding.UTF8.GetString(body.ToArray()), StringComparison.Ordinal);
        }

        Assert.Equal(calls, FakeNvmlControl.CallCount);
    }

    [Fact]
    public void Scrape_ReportsTheSampleAgeAtScrapeTime()
    {
        _fleet.Write(FakeGpuFleet.H100Node(1));
        var sampler = new NvmlSampler(_nvml, _time, new FakeLogger<NvmlSampler>());
        var document = new MetricsDocument(new MetricsRenderer("node-a"), new AttributionStore(), _time);
        document.Publish(sampler.Sample());

        _time.Advance(TimeSpan.FromSeconds(2.5));

        Assert.Contains("\nnvml_exporter_last_sample_age_seconds 2.5\n", Encoding.UTF8.GetString(document.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void AttributionChange_ReRendersTheLastSnapshot()
    {
        _fleet.Write(FakeGpuFleet.H100Node(1));
        var sampler = new NvmlSampler(_nvml, _time, new FakeLogger<NvmlSampler>());
        var store = new AttributionStore();
        var document = new MetricsDocument(new MetricsRenderer("node-a"), store, _time);
        document.Publish(sampler.Sample());
        Assert.DoesNotContain("pod=", Encoding.UTF8.GetString(document.ToArray()), StringComparison.Ordinal);

        store.Publish(new DeviceAttribution(
            new Dictionary<string, System.Collections.Immutable.ImmutableArray<PodRef>> { [FakeGpuFleet.Uuid(0)] = [new PodRef("llm", "vllm-0", "server")] },
            _time.GetUtcNow()));

        Assert.Contains("pod=\"vllm-0\"", Encoding.UTF8.GetString(document.ToArray()), StringComparison.Ordinal);
    }
}
