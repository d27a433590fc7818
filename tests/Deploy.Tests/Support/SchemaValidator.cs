using System.Text.Json;

namespace Deploy.Tests.Support;

/// <summary>One object's verdict from tests/Deploy.Tests/Schemas/validate.mjs.</summary>
internal sealed record SchemaVerdict(string Kind, string? Name, string ApiVersion, string Result, IReadOnlyList<string> Errors);

/// <summary>
/// Validates rendered objects against the Kubernetes OpenAPI schemas and the KEDA, Prometheus Operator and
/// cert-manager CRD schemas, as generated into the npm packages of kubernetes-models (pinned in
/// Schemas/package-lock.json, installed with <c>npm ci</c> once per run). Offline once installed.
/// </summary>
internal static class SchemaValidator
{
    private static readonly Lazy<string> Directory = new(Install);

    public static IReadOnlyList<SchemaVerdict> Validate(Manifests manifests)
    {
        var input = "[" + string.Join(",", manifests.Objects.Select(o => o.GetRawText())) + "]";
        var (exit, stdout, stderr) = Tool.Run("node", ["validate.mjs"], input, Directory.Value);
        Assert.True(exit == 0, $"validate.mjs failed ({exit}): {stderr}");
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonSerializer.Deserialize<SchemaVerdict>(line, options)!)];
    }

    private static string Install()
    {
        var directory = Repo.PathOf("tests/Deploy.Tests/Schemas");
        if (!File.Exists(Path.Combine(directory, "node_modules", ".package-lock.json"))
            || File.ReadAllText(Path.Combine(directory, "node_modules", ".package-lock.json")).Length == 0
            || !System.IO.Directory.Exists(Path.Combine(directory, "node_modules", "kubernetes-models")))
        {
            var (exit, stdout, stderr) = Tool.Run("npm", ["ci", "--no-audit", "--no-fund"], workingDirectory: directory, timeout: TimeSpan.FromMinutes(5));
            Assert.True(exit == 0, $"npm ci in {directory} failed ({exit}):\n{stdout}{stderr}");
        }

        return directory;
    }
}
