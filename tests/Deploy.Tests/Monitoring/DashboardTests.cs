using System.Text;
using System.Text.Json;
using Deploy.Tests.Support;

namespace Deploy.Tests.Monitoring;

/// <summary>The Grafana dashboards: shipped as the sidecar and the operator load them, every query parses and reads only served metrics.</summary>
public sealed class DashboardTests : IDisposable
{
    private const string Directory = "deploy/monitoring/base";
    private readonly string _work = System.IO.Directory.CreateTempSubdirectory("dashboards-").FullName;

    public void Dispose() => System.IO.Directory.Delete(_work, recursive: true);

    public static TheoryData<string, string, string> Dashboards => new()
    {
        { "scaler-dashboard-gpu", "gpu.json", "scaler-gpu" },
        { "scaler-dashboard-scaler", "scaler.json", "scaler-decisions" },
    };

    private static JsonElement Dashboard(string configMap, string key)
    {
        var map = Kustomize.Render(Directory).One("ConfigMap", configMap);
        using var document = JsonDocument.Parse(map.At("data").Property(key)!);
        return document.RootElement.Clone();
    }

    /// <summary>Every query of a dashboard: panel targets and the expressions inside template variables' label_values().</summary>
    private static List<(string Where, string Expression)> Queries(JsonElement dashboard)
    {
        var queries = new List<(string, string)>();
        foreach (var panel in dashboard.Items("panels"))
        {
            foreach (var target in panel.Items("targets"))
            {
                queries.Add(($"panel '{panel.Text("title")}' {target.Text("refId")}", target.Text("expr")!));
            }
        }

        foreach (var variable in dashboard.Items("templating.list").Where(v => v.Text("type") == "query"))
        {
            var query = variable.Text("query.query")!;
            Assert.StartsWith("label_values(", query, StringComparison.Ordinal);
            queries.Add(($"variable {variable.Text("name")}", query["label_values(".Length..query.LastIndexOf(',')]));
        }

        return queries;
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void ConfigMap_LabelledForTheSidecar_WithAStableUid(string configMap, string key, string uid)
    {
        var map = Kustomize.Render(Directory).One("ConfigMap", configMap);

        Assert.Equal("1", map.At("metadata.labels").Property("grafana_dashboard"));
        Assert.Equal(uid, Dashboard(configMap, key).Text("uid"));
        Assert.NotEmpty(Dashboard(configMap, key).Items("panels"));
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Queries_ParseAsPrometheusRules(string configMap, string key, string uid)
    {
        var queries = Queries(Dashboard(configMap, key));
        var rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (var i = 0; i < queries.Count; i++)
        {
            rules.Append(System.Globalization.CultureInfo.InvariantCulture, $"      - record: dashboard:{uid.Replace('-', '_')}:{i}\n        expr: {JsonSerializer.Serialize(PromQl.FromGrafana(queries[i].Expression))}\n");
        }

        var file = Path.Combine(_work, "dashboard-rules.yaml");
        File.WriteAllText(file, rules.ToString());

        var (exit, stdout, stderr) = Tool.Run("promtool", ["check", "rules", file]);

        Assert.True(exit == 0, $"{stdout}{stderr}\n{rules}");
        Assert.Contains($"SUCCESS: {queries.Count} rules found", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Queries_NameOnlyMetricsTheExporterOrTheScalerServes(string configMap, string key, string uid)
    {
        Assert.NotEmpty(uid);
        Assert.All(Queries(Dashboard(configMap, key)), query =>
        {
            var names = PromQl.MetricNames(PromQl.FromGrafana(query.Expression));
            Assert.NotEmpty(names);
            Assert.All(names, name => Assert.True(ServedMetrics.All.Contains(name), $"{query.Where} reads {name}, which neither the exporter nor the Scaler serves"));
        });
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Panels_ReadThePrometheusVariable_AndEveryVariableTheyUseExists(string configMap, string key, string uid)
    {
        var dashboard = Dashboard(configMap, key);
        var variables = dashboard.Items("templating.list").Select(v => v.Text("name")!).ToHashSet(StringComparer.Ordinal);

        Assert.Contains("datasource", variables);
        Assert.All(dashboard.Items("panels").Where(p => p.Text("type") is not ("row" or "text")), panel =>
        {
            Assert.Equal("${datasource}", panel.Text("datasource.uid"));
            foreach (var target in panel.Items("targets"))
            {
                foreach (var used in System.Text.RegularExpressions.Regex.Matches(target.Text("expr")!, @"\$([a-z]+)").Select(m => m.Groups[1].Value))
                {
                    Assert.True(variables.Contains(used) || used.StartsWith("__", StringComparison.Ordinal), $"{uid}: '{panel.Text("title")}' uses ${used}, which the dashboard does not define");
                }
            }
        });
    }

    [Theory]
    // The operator's GrafanaDashboard (no schema package: checked here) points at the base's ConfigMap and key.
    [InlineData("scaler-gpu", "scaler-dashboard-gpu", "gpu.json")]
    [InlineData("scaler-decisions", "scaler-dashboard-scaler", "scaler.json")]
    public void GrafanaOperator_Dashboard_PointsAtTheConfigMap(string name, string configMap, string key)
    {
        var overlay = Kustomize.Render("deploy/monitoring/overlays/grafana-operator");
        var dashboard = overlay.One("GrafanaDashboard", name);

        Assert.Equal("grafana.integreatly.org/v1beta1", dashboard.Text("apiVersion"));
        Assert.Equal(configMap, dashboard.Text("spec.configMapRef.name"));
        Assert.Equal(key, dashboard.Text("spec.configMapRef.key"));
        Assert.Equal(overlay.One("ConfigMap", configMap).Text("metadata.namespace"), dashboard.Text("metadata.namespace"));
        Assert.NotNull(dashboard.Find("spec.instanceSelector.matchLabels"));
        Assert.Equal(["allowCrossNamespaceImport", "configMapRef", "folder", "instanceSelector"], dashboard.At("spec").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ServedMetrics_IncludeTheNewExporterCountersAndTheScalersDecisions()
    {
        // The allowlist the tests above use comes from the product's code; make sure it is not empty or partial.
        Assert.Contains("gpu_xid_errors_total", (IReadOnlySet<string>)ServedMetrics.Exporter);
        Assert.Contains("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", (IReadOnlySet<string>)ServedMetrics.Exporter);
        Assert.Contains("nvml_exporter_sample_duration_seconds_bucket", (IReadOnlySet<string>)ServedMetrics.Exporter);
        Assert.Contains("nvml_exporter_last_sample_age_seconds", (IReadOnlySet<string>)ServedMetrics.Exporter);
        Assert.Contains("scaler_keda_decisions_total", (IReadOnlySet<string>)ServedMetrics.Scaler);
        Assert.Contains("scaler_signal_read_duration_seconds_bucket", (IReadOnlySet<string>)ServedMetrics.Scaler);
        Assert.DoesNotContain("kube_deployment_status_replicas", (IReadOnlySet<string>)ServedMetrics.All);
    }
}
