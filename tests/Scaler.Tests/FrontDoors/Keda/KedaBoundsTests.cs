using Grpc.Core;
using Microsoft.Extensions.Logging.Testing;
using Scaler.FrontDoors.Keda.Protocol;
using Scaler.Triggers;
using Xunit;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>
/// Every input bounded, every echo cut: oversized names and metadata are refused naming the key without the
/// value, an error never grows with the input (a status message over 64 KiB made clients drop the whole shared
/// HTTP/2 connection, with every other tenant's stream on it), and one namespace cannot take every trigger.
/// </summary>
public sealed class KedaBoundsTests : IAsyncLifetime, IDisposable
{
    private readonly FakeLoggerProvider _logs = new();
    private KedaScalerHost _host = null!;

    public async Task InitializeAsync() => _host = await KedaScalerHost.StartAsync(
        logging: _logs,
        settings: new Dictionary<string, string?> { ["Scaler:Triggers:MaxLivePerNamespace"] = "2" });

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public void Dispose() => _logs.Dispose();

    public static TheoryData<string, Func<ScaledObjectRef>, string> Oversized => new()
    {
        // A 40,000-character pod selector (the report: echoed twice in full, 64 KiB trailer).
        { "podSelector", () => KedaScalerHost.ScaledObject("big-selector", new Dictionary<string, string> { ["server"] = "vllm", ["minReplicas"] = "1", ["podSelector"] = "app in (" + new string('x', 40_000) + ")" }), "podSelector: at most 4096 characters, got 40009" },
        // A megabyte of name.
        { "name", () => KedaScalerHost.ScaledObject(new string('n', 1 << 20)), "scaledObjectRef.name: expected a Kubernetes object name" },
        // A name Kubernetes would not allow.
        { "name form", () => KedaScalerHost.ScaledObject("Not_A_Name"), "scaledObjectRef.name: expected a Kubernetes object name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.'), got 'Not_A_Name'" },
        // A megabyte-long query.
        { "query", () => KedaScalerHost.ScaledObject("big-query", query: "sum(x{a=\"" + new string('q', 1 << 20) + "\"})"), "pendingRequestsQuery: at most 4096 characters" },
        // Twenty annotations of 4 KiB: each within its own limit, 80 KiB together.
        { "map", () => KedaScalerHost.ScaledObject("big-map", Enumerable.Range(0, 20).ToDictionary(i => $"example.com/note-{i}", _ => new string('v', 4096))), "metadata: at most 65536 characters in all keys and values together" },
    };

    [Theory]
    [MemberData(nameof(Oversized))]
    public async Task GetMetrics_OversizedInput_ShortInvalidArgumentAndTheSharedConnectionLives(string what, Func<ScaledObjectRef> scaledObject, string says)
    {
        _ = what;
        var healthy = KedaScalerHost.ScaledObject("neighbour");
        _host.Prometheus.Set(12);
        using var stream = _host.Client.StreamIsActive(healthy);

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = scaledObject() }).ResponseAsync);
        var after = await _host.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = healthy });

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(says, error.Status.Detail, StringComparison.Ordinal);
        Assert.True(error.Status.Detail.Length <= ErrorText.MaxMessage, $"{error.Status.Detail.Length} characters");

        // The same HTTP/2 connection still carries the neighbour's unary call and its open stream.
        Assert.Equal(3, after.MetricValues[0].MetricValue_);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.True(await stream.ResponseStream.MoveNext(limit.Token));
    }

    [Fact]
    public async Task GetMetrics_InvalidSelectorOfNearlyFourKilobytes_ErrorCutAndNotRepeatedTwice()
    {
        var selector = "app in (" + string.Concat(Enumerable.Repeat("a,", 1_900)) + "b";
        var scaledObject = KedaScalerHost.ScaledObject("bad-selector", new Dictionary<string, string> { ["server"] = "vllm", ["minReplicas"] = "1", ["podSelector"] = selector });

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = scaledObject }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("invalid trigger metadata: podSelector:", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(error.Status.Detail.Length <= ErrorText.MaxError + 40, $"{error.Status.Detail.Length} characters");
    }

    [Fact]
    public async Task GetMetrics_MetricNameOf40000Characters_QuotedShort()
    {
        var request = new GetMetricsRequest { ScaledObjectRef = KedaScalerHost.ScaledObject("vllm"), MetricName = new string('m', 40_000) };

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Client.GetMetricsAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("(40000 characters)", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(error.Status.Detail.Length < 300, $"{error.Status.Detail.Length} characters");
    }

    [Fact]
    public async Task GetMetrics_NamespaceAtItsTriggerLimit_NewTriggerRefusedOthersServed()
    {
        _host.Prometheus.Set(12);
        await GetAsync("team-a", "one");
        await GetAsync("team-a", "two");

        var refused = await Assert.ThrowsAsync<RpcException>(() => GetAsync("team-a", "three"));
        var otherTeam = await GetAsync("team-b", "one");
        var known = await GetAsync("team-a", "one");
        using var http = new HttpClient { BaseAddress = _host.HttpAddress };
        var metrics = await http.GetStringAsync("/metrics");

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("namespace team-a has 2 triggers, the most one namespace may have (Scaler:Triggers:MaxLivePerNamespace)", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal((3, 3), (otherTeam, known));
        Assert.Contains("scaler_triggers_refused_total{limit=\"namespace\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("scaler_triggers_live 3", metrics, StringComparison.Ordinal);
        Assert.Single(_logs.Lines(), l => l.Contains("[660]", StringComparison.Ordinal) && l.Contains("team-a", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_LongestAllowedName_LabelValueBounded()
    {
        _host.Prometheus.Set(12);
        var name = string.Join('.', Enumerable.Repeat(new string('a', 62), 4));
        await _host.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = KedaScalerHost.ScaledObject(name) });
        using var http = new HttpClient { BaseAddress = _host.HttpAddress };

        var metrics = await http.GetStringAsync("/metrics");

        Assert.DoesNotContain(name, metrics, StringComparison.Ordinal);
        Assert.Contains($"scaledobject=\"{name[..110]}…#", metrics, StringComparison.Ordinal);
    }

    private async Task<long> GetAsync(string @namespace, string name)
    {
        var scaledObject = KedaScalerHost.ScaledObject(name);
        scaledObject.Namespace = @namespace;
        var response = await _host.Client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = scaledObject });
        return response.MetricValues[0].MetricValue_;
    }
}
