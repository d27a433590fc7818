using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Scaler.Decisions;
using Scaler.Signals;
using Scaler.Signals.InferenceServer;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.PrometheusText;
using Scaler.Tests.Signals.GpuFleet;
using Scaler.Tests.Signals.PrometheusText;
using static Scaler.Tests.Signals.GpuFleet.StaticWorkloadPods;

namespace Scaler.Tests.Signals.InferenceServer;

/// <summary>Pending requests summed over a workload's ready pods, each pod a loopback endpoint in its server's real format.</summary>
public sealed class InferenceQueueSourceTests : IAsyncLifetime, IDisposable
{
    private static readonly WorkloadRef Llm = new("llm", "llm");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly HttpClient _http = new(ScrapeHandler.Create());
    private readonly Dictionary<string, Uri> _endpoints = new(StringComparer.Ordinal);
    private LoopbackMetricsServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackMetricsServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _http.Dispose();

    private InferenceQueueSource Source(IWorkloadPods pods) => new(
        pods,
        new MetricsScraper(_http, TimeProvider.System),
        Options.Create(new InferenceServerOptions { EndpointResolver = pod => _endpoints[pod.Name] }),
        _time,
        NullLogger<InferenceQueueSource>.Instance);

    /// <summary>Pods named after the documents they serve, all ready on one node.</summary>
    private StaticWorkloadPods Serve(params (string Pod, string Text)[] pods)
    {
        foreach (var (pod, text) in pods)
        {
            _endpoints[pod] = _server.Text("/" + pod, text);
        }

        return new StaticWorkloadPods().WithPods([.. pods.Select(p => Pod(p.Pod))]);
    }

    [Theory]
    // waiting only: 7 + 3
    [InlineData(false, 10)]
    // waiting plus running: 7 + 12 + 3 + 5
    [InlineData(true, 27)]
    public async Task ReadAsync_Vllm_SumsWaitingAndInFlightWhenAsked(bool inFlight, double expected)
    {
        var pods = Serve(("vllm-0", ModelServerMetrics.Vllm(7, 12)), ("vllm-1", ModelServerMetrics.Vllm(3, 5)));

        var reading = await Source(pods).ReadAsync(new InferenceQueueQuery(Llm, InferenceServerKind.Vllm) { IncludeInFlight = inFlight }, CancellationToken.None);

        Assert.Equal(SignalStatus.Fresh, reading.Status);
        Assert.Equal(expected, reading.Value);
        Assert.Equal(_time.GetUtcNow(), reading.ObservedAt);
        Assert.Equal(2, reading.Coverage?.Answered);
        Assert.False(reading.Coverage?.IsPartial);
    }

    [Theory]
    // every model: (0 + 5 + 3) + (0 + 2 + 1)
    [InlineData(null, 11)]
    // one model: 5 + 2
    [InlineData("llama", 7)]
    public async Task ReadAsync_Triton_SumsOverModelsOrFiltersOne(string? model, double expected)
    {
        var pods = Serve(("triton-0", ModelServerMetrics.Triton(5, 3)), ("triton-1", ModelServerMetrics.Triton(2, 1)));

        var reading = await Source(pods).ReadAsync(new InferenceQueueQuery(Llm, InferenceServerKind.Triton) { Model = model }, CancellationToken.None);

        Assert.Equal(expected, reading.Value);
    }

    [Theory]
    // queue only: 9 + 1
    [InlineData(false, 10)]
    // queue plus the current batch: 9 + 4 + 1 + 2
    [InlineData(true, 16)]
    public async Task ReadAsync_Tgi_SumsQueueSize(bool inFlight, double expected)
    {
        var pods = Serve(("tgi-0", ModelServerMetrics.Tgi(9, 4)), ("tgi-1", ModelServerMetrics.Tgi(1, 2)));

        var reading = await Source(pods).ReadAsync(new InferenceQueueQuery(Llm, InferenceServerKind.Tgi) { IncludeInFlight = inFlight }, CancellationToken.None);

        Assert.Equal(expected, reading.Value);
    }

    [Fact]
    public async Task ReadAsync_CustomMetricName_SumsIt()
    {
        var pods = Serve(("sglang-0", "# TYPE sglang:num_queue_reqs gauge\nsglang:num_queue_reqs{model_name=\"qwen\"} 4.0\n"));

        var reading = await Source(pods).ReadAsync(new InferenceQueueQuery(Llm, InferenceServerKind.Custom) { MetricName = "sglang:num_queue_reqs", MetricsPort = 30000 }, CancellationToken.None);

        Assert.Equal(4, reading.Value);
    }

    [Fact]
    public async Task ReadAsync_WrongPreset_UnavailablePerPodNeverZero()
    {
        var pods = Serve(("tgi-0", ModelServerMetrics.Tgi(9, 4)));

        var reading = await Source(pods).ReadAsync(new InferenceQueueQuery(Llm, InferenceServerKind.Vllm), CancellationToken.None);

        Assert.Equal(SignalStatus.Unavailable, reading.Status);
        Assert.True(double.IsNaN(reading.Value));
        Assert.Equal(["pod tgi-0: metric vllm:num_requests_waiting not exposed by pod llm/tgi-0 (wrong server preset or port?)"], reading.Coverage?.Missing);
        Assert.StartsWith("no pod of llm/llm answered with vllm:num_requests_waiting: ", reading.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_InFlightAskedButMissingOnAPod_ThatPodIsMissing()
    {
        var pods = Serve(("vllm-0", ModelServerMetrics.Vllm(7, 12)), ("vllm-1", "vllm:num_requests_waiting{model_name=\"m\"} 3\n"));

        var reading = await Source(pods).ReadAsync(new InferenceQueueQuery(Llm, InferenceServerKind.Vllm) { IncludeInFlight = true }, CancellationToken.None);

        Assert.Equal(19, reading.Value);
        Assert.Equal(["pod vllm-1: metric vllm:num_requests_running not exposed by pod llm/vllm-1"], reading.Coverage?.Missing);
    }

    [Theory]
    // Not a number.
    [InlineData("NaN")]
    // Infinities.
    [InlineData("+Inf")]
    [InlineData("-Inf")]
    // A negative count of requests.
    [InlineData("-3")]
    public async Task ReadAsync_GaugeWithoutACount_UnavailableSayingSoNotZeroNorWrongPreset(string value)
    {
        var pods = Serve(("vllm-0", $"vllm:num_requests_waiting{{model_name=\"m\"}} {value}\n"));

        var reading = await Source(pods).ReadAsync(new InferenceQueueQuery(Llm, InferenceServerKind.Vllm), CancellationToken.None);

        Assert.Equal(SignalStatus.Unavailable, reading.Status);
        Assert.True(double.IsNaN(reading.Value));
        Assert.Equal(["pod vllm-0: metric vllm:num_requests_waiting on pod llm/vllm-0 has no usable value: 1 series NaN, infinite or negative, which is not a count of requests"], reading.Coverage?.Missing);
    }

    [Fact]
    public async Task ReadAsync_OnePodDown_PartialCoverageSumOfTheOthers()
    {
        var pods = Serve(("vllm-0", ModelServerMetrics.Vllm(7, 12)), ("vllm-1", ModelServerMetrics.Vllm(3, 5)));
        pods.WithPods([.. pods.Pods.Pods, Pod("vllm-2")]);
        _endpoints["vllm-2"] = LoopbackMetricsServer.Closed();

        var reading = await Source(pods).ReadAsync(new InferenceQueueQuery(Llm, InferenceServerKind.Vllm), CancellationToken.None);

        Assert.Equal(SignalStatus.Fresh, reading.Status);
        Assert.Equal(10, reading.Value);
        Assert.Equal(2, reading.Coverage?.Answered);
        Assert.Equal(3, reading.Coverage?.Expected);
        Assert.Equal(["pod vllm-2: connection refused"], reading.Coverage?.Missing);
        // Per pod (the custom metrics API's view): the pod that did not answer is absent, not 0.
        Assert.Equal([new("vllm-0", 7), new("vllm-1", 3)], reading.PerPod);
    }

    [Fact]
    public async Task ReadAsync_MostPodsDown_Unavailable()
    {
        var pods = Serve(("vllm-0", ModelServerMetrics.Vllm(7, 12)));
        pods.WithPods([.. pods.Pods.Pods, Pod("vllm-1"), Pod("vllm-2")]);
        _endpoints["vllm-1"] = _server.Status("/down-1", 503);
        _endpoints["vllm-2"] = LoopbackMetricsServer.Closed();

        var reading = await Source(pods).ReadAsync(new InferenceQueueQuery(Llm, InferenceServerKind.Vllm), CancellationToken.None);

        Assert.Equal(SignalStatus.Unavailable, reading.Status);
        Assert.Equal("only 1 of 3 pods of llm/llm answered: pod vllm-1: HTTP 503; pod vllm-2: connection refused", reading.Reason);
    }

    [Fact]
    public async Task ReadAsync_AllPodsDown_ThrowsForThePipeline()
    {
        var pods = new StaticWorkloadPods().WithPods(Pod("vllm-0"), Pod("vllm-1"));
        _endpoints["vllm-0"] = LoopbackMetricsServer.Closed();
        _endpoints["vllm-1"] = _server.Hang("/hang");
        var source = new InferenceQueueSource(
            pods,
            new MetricsScraper(_http, TimeProvider.System),
            Options.Create(new InferenceServerOptions { ScrapeTimeout = TimeSpan.FromMilliseconds(300), EndpointResolver = pod => _endpoints[pod.Name] }),
            _time,
            NullLogger<InferenceQueueSource>.Instance);

        var e = await Assert.ThrowsAsync<SignalSourceException>(async () => await source.ReadAsync(new InferenceQueueQuery(Llm, InferenceServerKind.Vllm), CancellationToken.None));

        Assert.Equal("no pod of llm/llm answered with vllm:num_requests_waiting: pod vllm-0: connection refused; pod vllm-1: no answer within 300ms", e.Message);
        // One refused, one timed out: a slow pod is not an unreachable one.
        Assert.False(e.UpstreamUnreachable);
    }

    [Fact]
    public async Task ReadAsync_NoReadyPods_UnavailableAndSaysWhatScalesFromZero()
    {
        var pods = Serve(("vllm-0", ModelServerMetrics.Vllm(7, 12)));
        pods.WithPods(Pod("vllm-0", ready: false));

        var reading = await Source(pods).ReadAsync(new InferenceQueueQuery(Llm, InferenceServerKind.Vllm), CancellationToken.None);

        Assert.Equal(SignalStatus.Unavailable, reading.Status);
        Assert.True(double.IsNaN(reading.Value));
        Assert.Equal("no ready pods of llm/llm to scrape: requests waiting for a workload with no pods are outside them; scale from zero needs a Prometheus, RabbitMQ or gateway signal", reading.Reason);
        Assert.Equal(0, _server.Requests);
    }

    [Fact]
    public async Task ReadAsync_PodsUnknown_UnavailableWithTheReason()
    {
        var pods = new StaticWorkloadPods { Pods = PodSet.Unknown("pod cache not synced") };

        var reading = await Source(pods).ReadAsync(new InferenceQueueQuery(Llm, InferenceServerKind.Vllm), CancellationToken.None);

        Assert.Equal("pods of llm/llm unknown: pod cache not synced", reading.Reason);
    }

    [Theory]
    // custom needs a metric name and a port
    [InlineData("Custom", null, null, false, null, "metricName: required with server 'custom'|metricsPort: required with server 'custom'")]
    // Triton has no in-flight gauge
    [InlineData("Triton", null, null, true, null, "includeInFlight: Triton has no in-flight gauge; set inFlightMetricName")]
    // TGI has no model label
    [InlineData("Tgi", null, null, false, "llama", "model: Tgi has no model label; set modelLabel")]
    // a port out of range
    [InlineData("Vllm", null, 70000, false, null, "metricsPort: must be a port number 1-65535, got 70000")]
    // not a metric name
    [InlineData("Custom", "queue-size", 8080, false, null, "metricName: not a Prometheus metric name: 'queue-size'")]
    // a valid preset
    [InlineData("Vllm", null, null, true, "llama", "")]
    public void Validate_Query_NamesEveryBadField(string server, string? metric, int? port, bool inFlight, string? model, string errors)
    {
        var query = new InferenceQueueQuery(Llm, Enum.Parse<InferenceServerKind>(server)) { MetricName = metric, MetricsPort = port, IncludeInFlight = inFlight, Model = model };

        Assert.Equal(errors, string.Join('|', query.Validate()));
    }

    [Theory]
    // vLLM serves /metrics on its API port
    [InlineData("Vllm", 8000, "vllm:num_requests_waiting")]
    // Triton's metrics port
    [InlineData("Triton", 8002, "nv_inference_pending_request_count")]
    // TGI's image listens on PORT=80
    [InlineData("Tgi", 80, "tgi_queue_size")]
    public void Presets_DefaultPortAndMetric(string server, int port, string metric)
    {
        var query = new InferenceQueueQuery(Llm, Enum.Parse<InferenceServerKind>(server));

        Assert.Equal(port, query.Port);
        Assert.Equal(metric, query.PendingMetric);
    }
}
