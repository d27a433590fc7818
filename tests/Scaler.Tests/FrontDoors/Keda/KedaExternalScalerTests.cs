using System.Diagnostics;
using System.Net.Http.Json;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Scaler.FrontDoors.Keda.Protocol;
using Scaler.FrontDoors.Keda;
using Scaler.Testing;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>The KEDA door over real gRPC (h2c), called the way KEDA calls it.</summary>
public sealed class KedaExternalScalerTests : IAsyncLifetime
{
    private KedaScalerHost _host = null!;

    public async Task InitializeAsync() => _host = await KedaScalerHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>One KEDA poll: GetMetricSpec, then GetMetrics with the returned name, then IsActive.</summary>
    private async Task<(MetricSpec Spec, MetricValue Value, bool Active)> PollAsync(ScaledObjectRef scaledObject)
    {
        var spec = (await _host.Client.GetMetricSpecAsync(scaledObject)).MetricSpecs.Single();
        var metrics = await _host.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = scaledObject, MetricName = spec.MetricName });
        var active = await _host.Client.IsActiveAsync(scaledObject);
        return (spec, metrics.MetricValues.Single(), active.Result);
    }

    private async Task<MetricValue> MetricsUntilAsync(ScaledObjectRef scaledObject, Func<MetricValue, bool> condition) =>
        await Eventually.ReturnsAsync(async () => (await PollAsync(scaledObject)).Value, condition, interval: TimeSpan.FromMilliseconds(50));

    [Fact]
    public async Task GetMetricSpec_ValidMetadata_OneLowerCaseMetricWithTargetOne()
    {
        var spec = (await _host.Client.GetMetricSpecAsync(KedaScalerHost.ScaledObject())).MetricSpecs.Single();

        Assert.Equal(spec.MetricName.ToLowerInvariant(), spec.MetricName);
        Assert.DoesNotContain('/', spec.MetricName);
        Assert.Equal(1, spec.TargetSize);
        Assert.Equal(1.0, spec.TargetSizeFloat);
        Assert.Equal(0, _host.Prometheus.Reads); // answered from the metadata alone
    }

    [Fact]
    public async Task GetMetrics_PendingRequests_ValueIsTheDesiredReplicaCount()
    {
        _host.Prometheus.Set(12);

        // 12 pending at 5 per replica: 3 replicas, in both the int and the float field.
        var value = await MetricsUntilAsync(KedaScalerHost.ScaledObject(), v => v.MetricValueFloat == 3);

        Assert.Equal(3, value.MetricValue_);
        Assert.Equal(3.0, value.MetricValueFloat);
        var (_, _, active) = await PollAsync(KedaScalerHost.ScaledObject());
        Assert.True(active);
    }

    [Fact]
    public async Task GetMetrics_SignalUnavailable_AnswersUnavailableNeverZero()
    {
        _host.Prometheus.SetUnavailable("query returned an empty vector");
        var scaledObject = KedaScalerHost.ScaledObject("unknown");
        var spec = (await _host.Client.GetMetricSpecAsync(scaledObject)).MetricSpecs.Single();

        var metrics = await Assert.ThrowsAsync<RpcException>(async () => await _host.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = scaledObject, MetricName = spec.MetricName }));
        var active = await Assert.ThrowsAsync<RpcException>(async () => await _host.Client.IsActiveAsync(scaledObject));

        Assert.Equal(StatusCode.Unavailable, metrics.StatusCode);
        Assert.Contains("pending-requests", metrics.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Unavailable, active.StatusCode);
    }

    [Fact]
    public async Task EveryRpc_InvalidMetadata_InvalidArgumentNamingTheKey()
    {
        var bad = KedaScalerHost.ScaledObject(extra: new Dictionary<string, string> { ["pendingRequestsTarget"] = "-3" });

        var errors = new List<RpcException>
        {
            await Assert.ThrowsAsync<RpcException>(async () => await _host.Client.GetMetricSpecAsync(bad)),
            await Assert.ThrowsAsync<RpcException>(async () => await _host.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = bad, MetricName = "x" })),
            await Assert.ThrowsAsync<RpcException>(async () => await _host.Client.IsActiveAsync(bad)),
        };
        using var stream = _host.Client.StreamIsActive(bad);
        errors.Add(await Assert.ThrowsAsync<RpcException>(async () => await stream.ResponseStream.MoveNext()));

        Assert.All(errors, e =>
        {
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Contains("pendingRequestsTarget", e.Status.Detail, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task StreamIsActive_QueueFillsUp_SendsTrueOnceOnTheTransition()
    {
        _host.Prometheus.Set(0);
        var scaledObject = KedaScalerHost.ScaledObject("pushed");
        using var call = _host.Client.StreamIsActive(scaledObject);
        var next = call.ResponseStream.MoveNext();
        await _host.StreamSettledInactiveAsync(scaledObject);
        Assert.False(next.IsCompleted); // inactive: nothing sent

        var watch = Stopwatch.StartNew();
        _host.Prometheus.Set(4);
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(10)));
        var latency = watch.Elapsed;
        Assert.True(call.ResponseStream.Current.Result);
        Assert.True(latency < TimeSpan.FromSeconds(3), $"true came {latency.TotalMilliseconds:F0} ms after the change");

        // Still active while the value keeps changing (each change re-decides the stream): no second true,
        // which would postpone scale-to-zero (http-add-on #1792).
        var again = call.ResponseStream.MoveNext();
        var decisionsBefore = DecisionsMade("pushed");
        foreach (var pending in new[] { 6, 9, 13, 7 })
        {
            _host.Prometheus.Set(pending);
            await Task.Delay(400);
        }

        Assert.True(DecisionsMade("pushed") > decisionsBefore, "the changes did not reach the stream's decisions");
        Assert.False(again.IsCompleted);
    }

    // Desired-count changes the door recorded for the ScaledObject (each value above asks for a different count).
    private double DecisionsMade(string name) =>
        _host.Services.GetRequiredService<KedaMetrics>().DesiredChanges.GetAllLabelValues()
            .Where(labels => labels[0] == "llm" && labels[1] == name)
            .Sum(labels => _host.Services.GetRequiredService<KedaMetrics>().DesiredChanges.WithLabels(labels).Value);

    [Fact]
    public async Task StreamIsActive_ScalerStopping_StreamEndsAndStopDoesNotWaitForTheClient()
    {
        // Its own host: this one is stopped mid-test.
        await using var host = await KedaScalerHost.StartAsync();
        host.Prometheus.Set(0);
        var draining = KedaScalerHost.ScaledObject("draining");
        using var call = host.Client.StreamIsActive(draining);
        var next = call.ResponseStream.MoveNext();
        await host.StreamSettledInactiveAsync(draining);
        Assert.False(next.IsCompleted);

        var stopping = Stopwatch.StartNew();
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));
        var stopped = stopping.Elapsed;

        // The stream ended from the server's side (no true was sent), well before Kestrel's 30 s shutdown timeout.
        Assert.False(await next.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.True(stopped < TimeSpan.FromSeconds(10), $"stopping took {stopped.TotalSeconds:F1} s with a push stream open");
    }

    [Fact]
    public async Task StreamIsActive_TwoThousandStreamsOnOneConnection_AllOpenAndUnaryCallsStillServed()
    {
        // Its own host: one shared query refreshed once a second, as 2,000 ScaledObjects of one model would.
        await using var host = await KedaScalerHost.StartAsync(refresh: TimeSpan.FromSeconds(1));
        host.Prometheus.Set(0);
        const int Streams = 2000;
        const string Query = "sum(vllm:num_requests_waiting)";
        var calls = Enumerable.Range(0, Streams).Select(i => host.Client.StreamIsActive(KedaScalerHost.ScaledObject($"so-{i}", query: Query))).ToList();
        try
        {
            // Past Kestrel's default of 100 streams per connection a unary call would queue behind them.
            var spec = await host.Client.GetMetricSpecAsync(KedaScalerHost.ScaledObject("unary"), deadline: DateTime.UtcNow.AddSeconds(20));
            Assert.Single(spec.MetricSpecs);

            // Every stream reached the server: all of them see the transition.
            host.Prometheus.Set(3);
            var firsts = calls.Select(c => c.ResponseStream.MoveNext()).ToList();
            await Task.WhenAll(firsts).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.All(firsts, f => Assert.True(f.Result));
            Assert.All(calls, c => Assert.True(c.ResponseStream.Current.Result));
        }
        finally
        {
            foreach (var call in calls)
            {
                call.Dispose();
            }
        }
    }

    [Fact]
    public async Task Decisions_AfterAPoll_ExplainedOverHttp()
    {
        _host.Prometheus.Set(12);
        await MetricsUntilAsync(KedaScalerHost.ScaledObject("explained"), v => v.MetricValueFloat == 3);

        using var http = new HttpClient { BaseAddress = _host.HttpAddress };
        var decision = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/decisions/llm/explained");

        Assert.Equal(3, decision.GetProperty("desiredReplicas").GetInt32());
        Assert.Equal("pending-requests", decision.GetProperty("drivingSignal").GetString());
        Assert.Contains("driven by pending-requests", decision.GetProperty("explanation").GetString(), StringComparison.Ordinal);
        var metrics = await http.GetStringAsync("/metrics");
        var series = $"{{namespace=\"llm\",scaledobject=\"explained\",metric=\"{decision.GetProperty("metricName").GetString()}\"}}";
        Assert.Contains($"scaler_keda_desired_replicas{series} 3", metrics, StringComparison.Ordinal);
        Assert.Contains($"scaler_keda_current_replicas{series} {decision.GetProperty("currentReplicas").GetInt32()}", metrics, StringComparison.Ordinal);
        Assert.Contains($"scaler_keda_ready_replicas{series} {decision.GetProperty("readyReplicas").GetInt32()}", metrics, StringComparison.Ordinal);
        Assert.Contains("scaler_keda_decisions_total{outcome=\"decided\",driver=\"pending-requests\"}", metrics, StringComparison.Ordinal);
        using var page = await http.GetAsync("/");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<a href=\"/workload?namespace=llm&amp;name=explained\">llm/explained</a>", html, StringComparison.Ordinal);
        Assert.Contains("driven by pending-requests", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decisions_TwoTriggersOfOneScaledObject_EachListedTheHighestOnTop()
    {
        // Same ScaledObject, two Scaler triggers reading different queries; 12 pending: 12/5 -> 3 and 12/2 -> 6.
        _host.Prometheus.Set(12);
        var low = KedaScalerHost.ScaledObject("two-triggers", query: "sum(vllm:num_requests_waiting{model_name=\"llama\"})");
        var high = KedaScalerHost.ScaledObject("two-triggers", new Dictionary<string, string> { ["pendingRequestsTarget"] = "2" }, query: "sum(vllm:num_requests_running{model_name=\"llama\"})");
        var lowValue = await MetricsUntilAsync(low, v => v.MetricValueFloat == 3);
        var highValue = await MetricsUntilAsync(high, v => v.MetricValueFloat == 6);
        Assert.Equal((3, 6), (lowValue.MetricValueFloat, highValue.MetricValueFloat));

        using var http = new HttpClient { BaseAddress = _host.HttpAddress };
        var decision = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/decisions/llm/two-triggers");
        var all = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/decisions");

        // The top level is the trigger whose count the HPA follows (it takes the maximum), as before there were several.
        Assert.Equal(6, decision.GetProperty("desiredReplicas").GetInt32());
        var triggers = decision.GetProperty("triggers").EnumerateArray().ToList();
        Assert.Equal([3, 6], triggers.Select(t => t.GetProperty("desiredReplicas").GetInt32()).Order());
        Assert.Equal(2, triggers.Select(t => t.GetProperty("metricName").GetString()).Distinct().Count());
        Assert.Equal(2, all.EnumerateArray().Count(d => d.GetProperty("name").GetString() == "two-triggers"));
        Assert.All(all.EnumerateArray(), d => Assert.False(d.TryGetProperty("triggers", out _)));
    }
}
