using System.Text.Json;
using System.Xml.Linq;
using Deploy.Tests.Support;
using NvmlExporter.Hosting;

namespace Deploy.Tests;

/// <summary>
/// The Dockerfile against the projects it builds. There is no Docker engine where these tests run, so they
/// check what a build would trip over first: targets, copied paths, the binary names, the exporter's port.
/// </summary>
public sealed class DockerfileTests
{
    private static readonly IReadOnlyList<Stage> Stages = Dockerfile.Parse(Repo.ReadText("Dockerfile"));

    private static Stage StageNamed(string name) =>
        Stages.SingleOrDefault(s => s.Name == name) ?? throw new Xunit.Sdk.XunitException($"The Dockerfile has no stage '{name}' (stages: {string.Join(", ", Stages.Select(s => s.Name))}).");

    private static string AssemblyName(string project) =>
        XDocument.Load(Repo.PathOf(project)).Descendants("AssemblyName").Single().Value;

    private static string[] Entrypoint(Stage stage) =>
        JsonSerializer.Deserialize<string[]>(Assert.Single(stage.All("ENTRYPOINT")))!;

    /// <summary>The stage a final stage copies its files from, and the path it copies.</summary>
    private static (Stage From, string Path) CopiedFrom(Stage stage)
    {
        var tokens = Assert.Single(stage.All("COPY"), c => c.Contains("--from=", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (StageNamed(tokens[0]["--from=".Length..]), tokens[1]);
    }

    [Fact]
    public void Exporter_RunsTheNativeAotBinary_OnRuntimeDeps()
    {
        var exporter = StageNamed("exporter");
        var binary = AssemblyName("src/NvmlExporter/NvmlExporter.csproj");
        var (publish, copied) = CopiedFrom(exporter);

        // The chiseled image made for NativeAOT apps.
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled-aot@", exporter.Image, StringComparison.Ordinal);
        Assert.EndsWith("/" + binary, copied, StringComparison.Ordinal);
        Assert.EndsWith("/" + binary, Entrypoint(exporter)[0], StringComparison.Ordinal);
        // NativeAOT publishes for a runtime identifier.
        Assert.Contains(publish.All("RUN"), r => r.Contains("dotnet publish src/NvmlExporter/NvmlExporter.csproj", StringComparison.Ordinal) && r.Contains(" -r ", StringComparison.Ordinal));
    }

    [Fact]
    public void Exporter_ExposesTheDefaultListenPort_AndAsksTheToolkitForNvml()
    {
        var exporter = StageNamed("exporter");
        var env = string.Join(' ', exporter.All("ENV"));

        Assert.Contains(new ExporterOptions().Listen.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), exporter.All("EXPOSE").SelectMany(e => e.Split(' ')));
        Assert.Contains("NVIDIA_VISIBLE_DEVICES=all", env, StringComparison.Ordinal);
        Assert.Contains("NVIDIA_DRIVER_CAPABILITIES=utility", env, StringComparison.Ordinal);
        // The measured memory figures assume the small gen0 budget (docs/exporter.md).
        Assert.Contains("DOTNET_GCgen0size=400000", env, StringComparison.Ordinal);
    }

    [Fact]
    public void Scaler_RunsTheFrameworkDependentAssembly_OnAspNet()
    {
        var scaler = StageNamed("scaler");
        var (publish, _) = CopiedFrom(scaler);
        var entrypoint = Entrypoint(scaler);

        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", scaler.Image, StringComparison.Ordinal);
        Assert.Equal("dotnet", entrypoint[0]);
        Assert.EndsWith($"/{AssemblyName("src/Scaler/Scaler.csproj")}.dll", entrypoint[1], StringComparison.Ordinal);
        Assert.Contains(publish.All("RUN"), r => r.Contains("dotnet publish src/Scaler/Scaler.csproj", StringComparison.Ordinal));
    }

    [Fact]
    public void Scaler_ExposesTheHostsDefaultPorts()
    {
        var defaults = new global::Scaler.Hosting.ScalerHostOptions();

        Assert.Equal(
            new[] { defaults.GrpcPort, defaults.HttpPort, defaults.HttpsPort, defaults.PeerPort }.Order(),
            StageNamed("scaler").All("EXPOSE").SelectMany(e => e.Split(' ')).Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).Order());
    }

    [Fact]
    public void Scaler_ClearsTheBaseImagesHttpPorts()
    {
        // The aspnet image sets ASPNETCORE_HTTP_PORTS=8080; Kestrel's explicit endpoints override it and warn.
        Assert.Contains("ASPNETCORE_HTTP_PORTS=", StageNamed("scaler").All("ENV").SelectMany(e => e.Split(' ')));
    }

    [Fact]
    public void Builder_HasTheNativeAotToolchain()
    {
        var build = StageNamed("build");

        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", build.Image, StringComparison.Ordinal);
        Assert.Contains(build.All("RUN"), r => r.Contains("clang", StringComparison.Ordinal) && r.Contains("zlib1g-dev", StringComparison.Ordinal));
    }

    [Fact]
    public void Copy_EverySource_IsInTheRepository_AndNotDockerignored()
    {
        var ignored = Repo.ReadText(".dockerignore").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(p => !p.StartsWith('#'))
            .ToList();
        var sources = Stages.SelectMany(s => s.All("COPY")).Select(Dockerfile.ContextCopy).Where(t => t.Length > 1).SelectMany(t => t[..^1]).ToList();

        Assert.NotEmpty(sources);
        Assert.All(sources, source =>
        {
            var path = source.TrimEnd('/');
            Assert.True(File.Exists(Repo.PathOf(path)) || Directory.Exists(Repo.PathOf(path)), $"COPY {source}: not in the repository");
            Assert.DoesNotContain(ignored, pattern => Ignores(pattern, path));
        });
    }

    [Fact]
    public void BaseImages_EveryOnePinnedByDigest_WithItsTag()
    {
        var external = Stages.Where(s => !Stages.Any(other => other.Name == s.Image)).ToList();

        Assert.Equal(3, external.Count);
        Assert.All(external, stage => Assert.Matches(@"^mcr\.microsoft\.com/dotnet/[a-z-]+:10\.0-noble[a-z-]*@sha256:[0-9a-f]{64}$", stage.Image));
        // The pinning script finds each of them.
        Assert.Contains("imagetools inspect", Repo.ReadText("deploy/pin-base-images.sh"), StringComparison.Ordinal);
    }

    [Theory]
    // Docker's TARGETARCH for each platform of the multi-arch build, and the .NET runtime identifier it needs.
    [InlineData("amd64", "linux-x64")]
    [InlineData("arm64", "linux-arm64")]
    public void Build_TargetArchitecture_SelectsTheRuntimeIdentifier(string targetArch, string rid)
    {
        var build = StageNamed("build");

        Assert.Contains("TARGETARCH", build.All("ARG"));
        Assert.Contains(build.All("RUN"), r => r.Contains($"{targetArch}) echo {rid} ;;", StringComparison.Ordinal));
        Assert.Contains(StageNamed("publish-exporter").All("RUN"), r => r.Contains("-r \"$(cat /rid)\"", StringComparison.Ordinal));
    }

    /// <summary>The .dockerignore rules this repository uses: a path or its parent, or <c>**/name</c> at any depth.</summary>
    private static bool Ignores(string pattern, string path)
    {
        var segments = path.Split('/');
        return pattern.StartsWith("**/", StringComparison.Ordinal)
            ? segments.Contains(pattern[3..])
            : path == pattern || path.StartsWith(pattern.TrimEnd('/') + "/", StringComparison.Ordinal);
    }
}
