using System.Text.Json;
using System.Text.RegularExpressions;
using Scaler.Signals.InferenceServer;
using Scaler.Signals.RabbitMq;
using Scaler.Tests.Triggers;
using Scaler.Triggers;
using Xunit;

namespace Scaler.Tests.Triggers;

/// <summary>
/// The trigger keys are the user's API: the README's table and docs/keda-metadata.md's tables are the keys the
/// registered sources and the parser declare (<see cref="TriggerKeyTable"/>), and a default written as a literal
/// is what the parser does without the key.
/// </summary>
public sealed partial class TriggerKeyDocsTests
{
    private static readonly ScaledObjectKey Workload = new("ml", "llama");

    [Theory]
    // The README's one table.
    [InlineData("README.md")]
    // The docs' table per section.
    [InlineData("docs/keda-metadata.md")]
    public void KeyTables_SameAsTheRegisteredKeys(string relativePath)
    {
        var path = Path.Combine(RepositoryRoot(), relativePath);
        var text = File.ReadAllText(path);
        var blocks = TriggerKeyTable.Blocks(relativePath, TestTriggers.Keys).ToList();
        if (Environment.GetEnvironmentVariable("SCALER_WRITE_DOCS") == "1")
        {
            File.WriteAllText(path, text = TriggerKeyTable.Rewrite(text, blocks));
        }

        foreach (var (marker, table) in blocks)
        {
            var (start, end) = TriggerKeyTable.Find(text, marker);
            Assert.True(table == text[start..end], $"{relativePath}: the table at '{marker}' is not the registered keys; run the test with SCALER_WRITE_DOCS=1 to rewrite it. Expected:\n{table}");
        }
    }

    [Fact]
    public void Catalog_EveryKeyOnce_AndEverySourceKeyDocumented()
    {
        var keys = TestTriggers.Keys.All;

        Assert.Equal(keys.Count, keys.Select(k => k.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(keys, key => Assert.False(string.IsNullOrWhiteSpace(key.Meaning) || string.IsNullOrWhiteSpace(key.Form) || string.IsNullOrWhiteSpace(key.Example), key.Name));
    }

    [Fact]
    public void Docs_LiteralDefaults_SameAsLeavingTheKeyOut()
    {
        var checkedKeys = new List<string>();
        foreach (var (key, documented) in TestTriggers.Keys.All.Select(k => (k.Name, k.Default)))
        {
            // Only defaults written as one literal (`5`, `15m`); "the server's", "off" or "–" say there is none to write.
            var literal = LiteralDefault().Match(documented);
            if (!literal.Success)
            {
                continue;
            }

            var baseline = BaselineFor(key);
            var without = Parse(baseline);
            var with = Parse([.. baseline, (key, literal.Groups[1].Value)]);

            // Compared as JSON: the policy's arrays compare by reference in record equality.
            Assert.True(Describe(without) == Describe(with), $"{key}: the documented default `{literal.Groups[1].Value}` is not the parser's default: {Describe(without)} vs {Describe(with)}");
            checkedKeys.Add(key);
        }

        // The policy keys and the per-signal targets all have literal defaults: a table edit that drops them fails here.
        Assert.Superset(
            new HashSet<string>(["minReplicas", "maxReplicas", "idleReplicas", "scaleToZeroAfter", "scaleUpLimit", "scaleDownLimit", "scaleUpStabilization", "scaleDownStabilization", "staleAfter", "pendingRequestsTarget", "queueLengthTarget", "metricsPath", "gpuMode",
                "sloTimeToFirstToken", "sloPercentile", "burstCoverage", "maxNumSeqs", "maxBatchedTokens"], StringComparer.Ordinal),
            new HashSet<string>(checkedKeys, StringComparer.Ordinal));
    }

    // A trigger every key with a literal default can be added to.
    private static (string Key, string Value)[] BaselineFor(string key) => key switch
    {
        // Pod-scraped pending requests (metricsPath applies only to them); 0 replicas is refused for them.
        InferenceServerTriggerKeys.MetricsPath => [("server", "vllm"), ("minReplicas", "1")],

        // Capacity sizing (vLLM's default): its objective, burst coverage and server limits.
        InferenceServerTriggerKeys.SloTimeToFirstToken or InferenceServerTriggerKeys.SloPercentile or InferenceServerTriggerKeys.BurstCoverage
            or InferenceServerTriggerKeys.MaxNumSeqs or InferenceServerTriggerKeys.MaxBatchedTokens => [("server", "vllm"), ("minReplicas", "1")],
        _ =>
        [
            ("prometheusAddress", "http://prometheus.monitoring:9090"),
            ("pendingRequestsQuery", "sum(vllm:num_requests_waiting) or vector(0)"),
            ("rabbitmqHost", "amqp://rabbitmq.default:5672/"),
            ("queueName", "inference-requests"),
            ("gpuUtilizationTarget", "70"),
        ],
    };

    private static string Describe(Trigger spec) =>
        JsonSerializer.Serialize(new { spec.Policy, Signals = TestTriggers.Signals(spec).Select(s => new { s.Spec, Query = s.Query.Key }) });

    private static Trigger Parse((string Key, string Value)[] pairs)
    {
        var metadata = pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        Assert.True(TestTriggers.TryParse(Workload, metadata, new RabbitMqCredentialsOptions(), out var spec, out var errors), string.Join("; ", errors));
        return spec!;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Scaler.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Scaler.sln not found above {AppContext.BaseDirectory}: the docs are read from the source tree.");
    }

    [GeneratedRegex("^`([^`]+)`$")]
    private static partial Regex LiteralDefault();
}
