using System.Text.Json;
using System.Text.RegularExpressions;
using Scaler.FrontDoors.Keda;
using Scaler.Signals.RabbitMq;
using Xunit;

namespace Scaler.Tests.FrontDoors.Keda;

/// <summary>
/// The trigger keys are the user's API: the README's table and docs/keda-metadata.md's tables list every key
/// the parser knows, the same way, and a default written as a literal is what the parser does without the key.
/// </summary>
public sealed partial class TriggerMetadataDocsTests
{
    private static readonly ScaledObjectKey Workload = new("ml", "llama");

    [Fact]
    public void Readme_KeyTable_SameRowsAsTheDocsForEveryKey()
    {
        var docs = KeyRows("docs/keda-metadata.md");
        var readme = KeyRows("README.md");

        Assert.Equal(TriggerMetadataKeys.All.Keys.Order(StringComparer.Ordinal), docs.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, row) in docs)
        {
            // Key, type, default and example; the docs add the meaning.
            Assert.True(readme.TryGetValue(key, out var inReadme), $"README.md has no row for {key}");
            Assert.Equal(row[..4], inReadme[..4]);
        }

        Assert.Equal(docs.Count, readme.Count);
    }

    [Fact]
    public void Docs_LiteralDefaults_SameAsLeavingTheKeyOut()
    {
        var checkedKeys = new List<string>();
        foreach (var (key, row) in KeyRows("docs/keda-metadata.md"))
        {
            // Only defaults written as one literal (`5`, `15m`); "the server's", "off" or "–" say there is none to write.
            var literal = LiteralDefault().Match(row[2]);
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
            new HashSet<string>(["minReplicas", "maxReplicas", "idleReplicas", "scaleToZeroAfter", "scaleUpLimit", "scaleDownLimit", "scaleUpStabilization", "scaleDownStabilization", "staleAfter", "pendingRequestsTarget", "queueLengthTarget", "metricsPath", "gpuMode"], StringComparer.Ordinal),
            new HashSet<string>(checkedKeys, StringComparer.Ordinal));
    }

    // A trigger every key with a literal default can be added to.
    private static (string Key, string Value)[] BaselineFor(string key) => key switch
    {
        // Pod-scraped pending requests (metricsPath applies only to them); 0 replicas is refused for them.
        TriggerMetadataKeys.MetricsPath => [("server", "vllm"), ("minReplicas", "1")],
        _ =>
        [
            ("prometheusAddress", "http://prometheus.monitoring:9090"),
            ("pendingRequestsQuery", "sum(vllm:num_requests_waiting) or vector(0)"),
            ("rabbitmqHost", "amqp://rabbitmq.default:5672/"),
            ("queueName", "inference-requests"),
            ("gpuUtilizationTarget", "70"),
        ],
    };

    private static string Describe(TriggerSpec spec) =>
        JsonSerializer.Serialize(new { spec.Policy, Signals = spec.Signals.Select(s => new { s.Spec, Query = s.Query.Key }) });

    private static TriggerSpec Parse((string Key, string Value)[] pairs)
    {
        var metadata = pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        Assert.True(TriggerMetadata.TryParse(Workload, metadata, new RabbitMqCredentialsOptions(), out var spec, out var errors), string.Join("; ", errors));
        return spec!;
    }

    /// <summary>Rows of the Markdown tables whose first cell is a `key`: key to cells (an escaped \| stays in its cell).</summary>
    private static Dictionary<string, string[]> KeyRows(string relativePath)
    {
        var rows = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(RepositoryRoot(), relativePath)))
        {
            if (!line.StartsWith("| `", StringComparison.Ordinal))
            {
                continue;
            }

            var cells = CellSeparator().Split(line.Trim()[1..^1]).Select(c => c.Trim()).ToArray();
            var key = cells[0].Trim('`');
            if (TriggerMetadataKeys.All.ContainsKey(key) || KeyName().IsMatch(key))
            {
                Assert.True(rows.TryAdd(key, cells), $"{relativePath}: {key} has two rows");
            }
        }

        return rows;
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

    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex CellSeparator();

    [GeneratedRegex("^`([^`]+)`$")]
    private static partial Regex LiteralDefault();

    [GeneratedRegex("^[a-z][A-Za-z]+$")]
    private static partial Regex KeyName();
}
