using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Deploy.Tests.Support;

/// <summary>
/// Renders a kustomization with <c>kubectl kustomize</c> and reads the objects as JSON. kubectl has no
/// YAML-to-JSON command that works without an API server, but a local no-op merge patch
/// (<c>kubectl patch --local --patch {}</c>) prints every object of a file as JSON, unchanged.
/// Each directory is rendered once per test run.
/// </summary>
internal static class Kustomize
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly ConcurrentDictionary<string, Lazy<Manifests>> Rendered = new(StringComparer.Ordinal);

    /// <param name="directory">A repository-relative kustomization directory, such as <c>deploy/exporter/base</c>.</param>
    public static Manifests Render(string directory) =>
        Rendered.GetOrAdd(directory, d => new Lazy<Manifests>(() => RenderOnce(d))).Value;

    /// <summary>Every directory under deploy/ with a kustomization.yaml, repository-relative.</summary>
    public static IReadOnlyList<string> All() =>
        [.. System.IO.Directory.EnumerateFiles(Repo.PathOf("deploy"), "kustomization.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repo.Root, Path.GetDirectoryName(f)!).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)];

    private static Manifests RenderOnce(string directory)
    {
        var kubectl = FindKubectl();
        var yaml = Run(kubectl, ["kustomize", Repo.PathOf(directory)], input: null, $"kubectl kustomize {directory}");
        var json = Run(kubectl, ["patch", "--local", "--filename", "-", "--type", "merge", "--patch", "{}", "--output", "json"], yaml, $"kubectl patch --local (the output of {directory})");
        return Manifests.Parse(directory, json);
    }

    private static string FindKubectl()
    {
        if (Environment.GetEnvironmentVariable("KUBECTL") is { Length: > 0 } configured)
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"KUBECTL is set to '{configured}', which does not exist.");
        }

        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, OperatingSystem.IsWindows() ? "kubectl.exe" : "kubectl"))
            .FirstOrDefault(File.Exists);
        return found ?? throw new InvalidOperationException(
            "kubectl was not found on PATH. The deploy tests render deploy/ with `kubectl kustomize` (no cluster needed): " +
            "install kubectl (https://kubernetes.io/docs/tasks/tools/) or set KUBECTL to its path.");
    }

    private static string Run(string kubectl, string[] arguments, string? input, string what)
    {
        var start = new ProcessStartInfo(kubectl)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Nothing here talks to a cluster; an empty configuration keeps a developer's contexts out of it.
        start.Environment["KUBECONFIG"] = OperatingSystem.IsWindows() ? "NUL" : "/dev/null";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{what}: could not start {kubectl}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.Write(input);
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{what} did not finish within {Timeout.TotalSeconds} s.");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed with exit code {process.ExitCode}:\n{stderr.Result}");
        }

        return stdout.Result;
    }
}

/// <summary>The objects of one rendered kustomization.</summary>
internal sealed class Manifests
{
    private Manifests(string directory, IReadOnlyList<JsonElement> objects)
    {
        Directory = directory;
        Objects = objects;
    }

    public string Directory { get; }

    public IReadOnlyList<JsonElement> Objects { get; }

    public static Manifests Parse(string directory, string json)
    {
        var objects = new List<JsonElement>();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            using var document = JsonDocument.ParseValue(ref reader);
            objects.Add(document.RootElement.Clone());
        }

        return new Manifests(directory, objects);
    }

    public IEnumerable<JsonElement> OfKind(string kind) => Objects.Where(o => o.Text("kind") == kind);

    /// <summary>The one object of <paramref name="kind"/> named <paramref name="name"/>; fails when there is none or more.</summary>
    public JsonElement One(string kind, string name)
    {
        var matches = OfKind(kind).Where(o => o.Text("metadata.name") == name).ToList();
        Assert.True(matches.Count == 1, $"{Directory}: expected one {kind} named {name}, found {matches.Count}.");
        return matches[0];
    }
}
