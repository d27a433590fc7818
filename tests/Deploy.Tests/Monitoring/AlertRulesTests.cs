using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Deploy.Tests.Support;

namespace Deploy.Tests.Monitoring;

/// <summary>deploy/monitoring's PrometheusRule through promtool: it loads, and each alert fires on the series it should and only those.</summary>
public sealed partial class AlertRulesTests : IDisposable
{
    private const string Directory = "deploy/monitoring/base";
    private readonly string _work = System.IO.Directory.CreateTempSubdirectory("alert-rules-").FullName;

    public void Dispose() => System.IO.Directory.Delete(_work, recursive: true);

    /// <summary>The design's table: the inference server's own series, not served by this product.</summary>
    private static readonly HashSet<string> InferenceServerSeries = new(StringComparer.Ordinal)
    {
        "inference_latency_p99", "inference_queue_size", "model_load_time_seconds", "inference_errors_total",
    };

    private static JsonElement Spec => Kustomize.Render(Directory).One("PrometheusRule", "scaler").At("spec");

    private static IEnumerable<JsonElement> Alerts => Spec.Items("groups").SelectMany(g => g.Items("rules"));

    [Fact]
    public void Rules_PromtoolCheck_LoadsEveryRuleAndTemplate()
    {
        var file = Path.Combine(_work, "rules.yaml");
        File.WriteAllText(file, Spec.GetRawText());

        var (exit, stdout, stderr) = Tool.Run("promtool", ["check", "rules", file]);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains($"SUCCESS: {Alerts.Count()} rules found", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_PromtoolTest_EveryAlertFiresAndStaysQuietAsSpecified()
    {
        // promtool compares annotations verbatim: the unit tests cover expressions, `for` and labels; the
        // annotation templates are checked by `promtool check rules` above.
        var spec = JsonNode.Parse(Spec.GetRawText())!;
        foreach (var rule in spec["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()))
        {
            rule!.AsObject().Remove("annotations");
        }

        File.WriteAllText(Path.Combine(_work, "rules.yaml"), spec.ToJsonString());
        File.Copy(Repo.PathOf("tests/Deploy.Tests/Monitoring/alerts.test.yaml"), Path.Combine(_work, "alerts.test.yaml"));

        var (exit, stdout, stderr) = Tool.Run("promtool", ["test", "rules", "alerts.test.yaml"], workingDirectory: _work);

        Assert.True(exit == 0, stdout + stderr);
        Assert.Contains("SUCCESS", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Tests_EveryAlert_HasAFiringCaseAndAQuietCase()
    {
        var tests = Repo.ReadText("tests/Deploy.Tests/Monitoring/alerts.test.yaml");
        var firing = FiringCase().Matches(tests).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var quiet = QuietCase().Matches(tests).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        Assert.All(Alerts.Select(a => a.Text("alert")!), alert =>
        {
            Assert.True(firing.Contains(alert), $"{alert} has no case in which it fires");
            Assert.True(quiet.Contains(alert), $"{alert} has no case in which it stays quiet");
        });
    }

    [Theory]
    // The design's table, labels and thresholds as written.
    [InlineData("InferenceLatencyP99High", "inference_latency_p99 > 0.5")]
    [InlineData("GpuMemoryHigh", "gpu_memory_used_bytes / gpu_memory_total_bytes > 0.9")]
    [InlineData("GpuUtilizationLow", "avg_over_time(gpu_utilization_percent[15m]) < 20")]
    [InlineData("GpuUtilizationHigh", "avg_over_time(gpu_utilization_percent[15m]) > 95")]
    [InlineData("InferenceQueueLong", "inference_queue_size > 100")]
    [InlineData("ModelLoadSlow", "model_load_time_seconds > 120")]
    [InlineData("InferenceErrors", "increase(inference_errors_total[5m]) > 0")]
    public void DesignTable_Alert_HasTheDesignsThreshold(string alert, string expression)
    {
        var rule = Alerts.Single(a => a.Text("alert") == alert);

        Assert.Equal(expression, rule.Text("expr"));
    }

    [Fact]
    public void Rules_EveryAlert_SeverityARunbookSectionAndOnlyServedMetrics()
    {
        var operate = Repo.ReadText("docs/operate.md");

        Assert.All(Alerts, rule =>
        {
            var alert = rule.Text("alert")!;
            Assert.Contains(rule.Text("labels.severity"), new[] { "critical", "warning", "info" });
            Assert.Equal($"docs/operate.md#{alert.ToLowerInvariant()}", rule.Text("annotations.runbook"));
            Assert.Contains($"### {alert}", operate, StringComparison.Ordinal);
            foreach (var metric in PromQl.MetricNames(rule.Text("expr")!))
            {
                Assert.True(
                    ServedMetrics.All.Contains(metric) || InferenceServerSeries.Contains(metric) || metric == "up",
                    $"{alert} reads {metric}, which neither the exporter nor the Scaler serves");
            }
        });
    }

    [Fact]
    public void ServiceMonitor_ScrapesTheScalersMetricsPort()
    {
        var monitor = Kustomize.Render(Directory).One("ServiceMonitor", "scaler");
        var service = Kustomize.Render("deploy/scaler/base").One("Service", "scaler");
        var endpoint = Assert.Single(monitor.Items("spec.endpoints"));

        Assert.True(monitor.At("spec.selector.matchLabels").Selects(service.At("metadata.labels")), "the ServiceMonitor does not select the Scaler's Service");
        Assert.Equal(8080, service.Named("spec.ports", endpoint.Text("port")!).At("port").GetInt32());
        Assert.Equal("/metrics", endpoint.Text("path"));
        Assert.True(endpoint.At("honorLabels").GetBoolean());
    }

    [GeneratedRegex(@"alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels")]
    private static partial Regex FiringCase();

    [GeneratedRegex(@"alertname: (\w+)\n\s+exp_alerts: \[\]")]
    private static partial Regex QuietCase();
}
