using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Scaler.Decisions;
using Scaler.Signals.InferenceServer;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.PrometheusText;
using Scaler.Tests.Signals.GpuFleet;
using Scaler.Tests.Signals.PrometheusText;
using static Scaler.Tests.Signals.GpuFleet.StaticWorkloadPods;

namespace Scaler.Tests.Signals.InferenceServer;

/// <summary>Work figures from model-server pods on loopback, in vLLM's own format: one scrape serves every figure.</summary>
public sealed class WorkSourceTests : IAsyncLifetime, IDisposable
{
    private static readonly WorkloadRef Llm = new("llm", "llm");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly HttpClient _http = new(ScrapeHandler.Create());
    private readonly Dictionary<string, Uri> _endpoints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _documents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _scrapes = new(StringComparer.Ordinal);
    private LoopbackMetricsServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackMetricsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _http.Dispose();

    private WorkSource Source(IWorkloadPods pods) => new(
        pods,
        new MetricsScraper(_http, TimeProvider.System),
        Options.Create(new InferenceServerOptions { EndpointResolver = pod => _endpoints[pod.Name] }),
        _time,
        NullLogger<WorkSource>.Instance);

    /// <summary>Pods that serve whatever <see cref="_documents"/> holds for them, counting their scrapes.</summary>
    private StaticWorkloadPods Serve(params string[] pods)
    {
        foreach (var pod in pods)
        {
            _scrapes[pod] = 0;
            _endpoints[pod] = _server.Route("/" + pod, async context =>
            {
                lock (_scrapes)
                {
                    _scrapes[pod]++;
                }

                context.Response.ContentType = "text/plain; version=0.0.4";
                await context.Response.WriteAsync(_documents[pod]);
            });
        }

        return new StaticWorkloadPods().WithPods([.. pods.Select(p => Pod(p))]);
    }

    private async Task<Dictionary<WorkMetric, Reading>> ReadAll(WorkSource source)
    {
        var readings = new Dictionary<WorkMetric, Reading>();
        foreach (var metric in Enum.GetValues<WorkMetric>())
        {
            readings[metric] = await source.ReadAsync(new WorkQuery(Llm, InferenceServerKind.Vllm, metric), CancellationToken.None);
        }

        return readings;
    }

    [Fact]
    public async Task ReadAsync_EveryFigure_FromOneScrapePerPod()
    {
        _documents["vllm-0"] = ModelServerMetrics.VllmWork(100, 120_000, 15_000, 12, 1, 0.3, 300, 14_900);
        _documents["vllm-1"] = ModelServerMetrics.VllmWork(50, 60_000, 7_000, 8, 3, 0.5, 150, 6_950);
        var source = Source(Serve("vllm-0", "vllm-1"));

        await ReadAll(source);
        _time.Advance(TimeSpan.FromSeconds(2));
        _documents["vllm-0"] = ModelServerMetrics.VllmWork(110, 133_000, 16_500, 14, 0, 0.35, 330, 16_390);
        _documents["vllm-1"] = ModelServerMetrics.VllmWork(54, 64_000, 7_400, 9, 2, 0.45, 160, 7_346);
        var readings = await ReadAll(source);

        // Counters count from the first scrape: 10 + 4 requests, 13,000 + 4,000 prompt tokens.
        Assert.Equal(14, readings[WorkMetric.Requests].Value);
        Assert.Equal(17_000, readings[WorkMetric.PromptTokens].Value);
        Assert.Equal(1_900, readings[WorkMetric.GenerationTokens].Value);
        Assert.Equal(23, readings[WorkMetric.Running].Value);
        Assert.Equal(2, readings[WorkMetric.Waiting].Value);
        Assert.Equal(0.4, readings[WorkMetric.KvCacheUse].Value, 9);
        Assert.Equal(40, readings[WorkMetric.InterTokenSeconds].Value, 9);
        Assert.Equal(1_886, readings[WorkMetric.InterTokenCount].Value);
        Assert.All(readings.Values, r => Assert.Equal(SignalStatus.Fresh, r.Status));
        Assert.All(readings.Values, r => Assert.Equal(_time.GetUtcNow(), r.ObservedAt));

        // What a pod holds now is served per pod too; the workload's totals and peak are not.
        Assert.Equal([new("vllm-0", 14), new("vllm-1", 9)], readings[WorkMetric.Running].PerPod);
        Assert.Equal([new("vllm-0", 0), new("vllm-1", 2)], readings[WorkMetric.Waiting].PerPod);
        Assert.Equal([new("vllm-0", 0.35), new("vllm-1", 0.45)], readings[WorkMetric.KvCacheUse].PerPod);
        Assert.Null(readings[WorkMetric.Requests].PerPod);
        Assert.Null(readings[WorkMetric.ArrivalPeak].PerPod);

        // Nine figures, two rounds: each pod scraped once per round.
        Assert.Equal(2, _scrapes["vllm-0"]);
        Assert.Equal(2, _scrapes["vllm-1"]);
    }

    [Fact]
    public async Task ReadAsync_WorkloadNotReadFor15Minutes_ForgottenAndCountedAfresh()
    {
        var source = Source(Serve("vllm-0"));
        async Task<double> Requests(double finished)
        {
            _documents["vllm-0"] = ModelServerMetrics.VllmWork(finished, finished * 1000, finished * 100, 4, 0, 0.2, finished, finished * 99);
            return (await source.ReadAsync(new WorkQuery(Llm, InferenceServerKind.Vllm, WorkMetric.Requests), CancellationToken.None)).Value;
        }

        await Requests(100);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(10, await Requests(110));

        // Nobody asked for 16 minutes: the totals start over, from the first scrape that sees the pod again.
        _time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(0, await Requests(130));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(5, await Requests(135));
    }

    [Fact]
    public async Task ReadAsync_NoKvCacheGauge_KvUnavailableTheRestFresh()
    {
        _documents["vllm-0"] = ModelServerMetrics.VllmWork(1, 1000, 100, 1, 0, kv: null, 2, 99);
        var source = Source(Serve("vllm-0"));

        var readings = await ReadAll(source);

        Assert.Equal(SignalStatus.Unavailable, readings[WorkMetric.KvCacheUse].Status);
        Assert.Contains("vllm:kv_cache_usage_perc or vllm:gpu_cache_usage_perc not exposed", readings[WorkMetric.KvCacheUse].Reason, StringComparison.Ordinal);
        Assert.Equal(SignalStatus.Fresh, readings[WorkMetric.Requests].Status);
    }

    [Fact]
    public async Task ReadAsync_CounterNaNOnAPod_UnavailableSayingItHasNoUsableValue()
    {
        _documents["vllm-0"] = ModelServerMetrics.Vllm(3, 4) + "vllm:request_success_total{finished_reason=\"stop\"} NaN\nvllm:prompt_tokens_total 100\nvllm:generation_tokens_total 200\n";
        var source = Source(Serve("vllm-0"));

        var reading = await source.ReadAsync(new WorkQuery(Llm, InferenceServerKind.Vllm, WorkMetric.Requests), CancellationToken.None);

        Assert.Equal(SignalStatus.Unavailable, reading.Status);
        Assert.Contains("vllm:request_success_total on pod llm/vllm-0 has no usable value (NaN, infinite or negative)", reading.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong server preset", reading.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_PodWithoutTheCounters_UnavailableNamingThem()
    {
        // An older vLLM page, or the wrong port: gauges only.
        _documents["vllm-0"] = ModelServerMetrics.Vllm(3, 4);
        var source = Source(Serve("vllm-0"));

        var reading = await source.ReadAsync(new WorkQuery(Llm, InferenceServerKind.Vllm, WorkMetric.Requests), CancellationToken.None);

        Assert.Equal(SignalStatus.Unavailable, reading.Status);
        Assert.Contains("vllm:request_success_total, vllm:prompt_tokens_total, vllm:generation_tokens_total not exposed by pod llm/vllm-0", reading.Reason, StringComparison.Ordinal);
        Assert.True(double.IsNaN(reading.Value));
    }

    [Fact]
    public async Task ReadAsync_Triton_UnavailableSayingWhy()
    {
        var source = Source(Serve());

        var reading = await source.ReadAsync(new WorkQuery(Llm, InferenceServerKind.Triton, WorkMetric.Requests), CancellationToken.None);

        Assert.Equal(SignalStatus.Unavailable, reading.Status);
        Assert.Contains("exposes no token counters", reading.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_NoReadyPods_UnavailableNeverZero()
    {
        var source = Source(new StaticWorkloadPods().WithPods());

        var reading = await source.ReadAsync(new WorkQuery(Llm, InferenceServerKind.Vllm, WorkMetric.Running), CancellationToken.None);

        Assert.Equal(SignalStatus.Unavailable, reading.Status);
        Assert.Contains("no ready pods of llm/llm", reading.Reason, StringComparison.Ordinal);
    }
}
