using System.Text.Json;
using System.Xml.Linq;
using Scaler.Simulation;

namespace Scaler.Tests.Simulation;

/// <summary>The command-line edge: precise errors with exit code 2, JSON shape, chart.</summary>
public class SimulateCommandTests
{
    [Theory]
    // a malformed duration names the option and the expected form
    [InlineData(new[] { "--slo", "fast" }, "--slo: expected a duration like 500ms, 2s, 1.5m, 1m30s or 1h; got 'fast'")]
    // unknown option
    [InlineData(new[] { "--turbo" }, "--turbo: unknown option")]
    // bad enum value
    [InlineData(new[] { "--generate", "spiky" }, "--generate: expected steady, bursty or diurnal, got 'spiky'")]
    // out-of-range number
    [InlineData(new[] { "--max-replicas", "0" }, "--max-replicas: expected a whole number, 1 or more; got '0'")]
    // missing value
    [InlineData(new[] { "--seed" }, "--seed: missing value")]
    // missing file
    [InlineData(new[] { "--trace", "/nonexistent/trace.csv" }, "--trace: no file at '/nonexistent/trace.csv'")]
    // saturation modes
    [InlineData(new[] { "--saturation", "hold,always" }, "--saturation: expected max, hold, hold-add or ignore (comma-separated), got 'always'")]
    // outage form
    [InlineData(new[] { "--outage", "20m" }, "--outage: expected START+LENGTH with durations, like 20m+5m; got '20m'")]
    // --name=value form is parsed too
    [InlineData(new[] { "--format=yaml" }, "--format: expected text or json, got 'yaml'")]
    public void Run_BadOption_ExitsTwoNamingTheOption(string[] args, string expected)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = SimulateCommand.Run(args, stdout, stderr);

        Assert.Equal(2, code);
        Assert.Contains(expected, stderr.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr.ToString(), StringComparison.Ordinal);
        Assert.Empty(stdout.ToString());
    }

    [Fact]
    public void Run_MalformedTraceFile_ExitsTwoNamingTheLine()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:00,x,1\n");
        var stderr = new StringWriter();

        var code = SimulateCommand.Run(["--trace", path, "--no-svg"], new StringWriter(), stderr);
        File.Delete(path);

        Assert.Equal(2, code);
        Assert.Contains("line 2: ContextTokens and GeneratedTokens must be whole numbers", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_JsonFormat_PrintsPoliciesWithCamelCaseFields()
    {
        var stdout = new StringWriter();

        var code = SimulateCommand.Run(["--format", "json", "--generate", "bursty", "--duration", "5m"], stdout, new StringWriter());

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(stdout.ToString());
        var root = Assert.Single(json.RootElement.EnumerateObject());
        Assert.Equal("policies", root.Name);
        var names = root.Value.EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Equal([Policies.Composite, Policies.Hpa, Policies.Keda], names);
        foreach (var policy in root.Value.EnumerateArray())
        {
            foreach (var field in new[] { "gpuHours", "requests", "sloViolations", "p50WaitSeconds", "p99WaitSeconds", "scaleEvents", "timeAtZeroSeconds" })
            {
                Assert.True(policy.TryGetProperty(field, out _), field);
            }
        }
    }

    [Fact]
    public void Run_DefaultText_WritesTableAndSvgAndSaysWhere()
    {
        var svg = Path.Combine(Path.GetTempPath(), $"scaler-test-{Guid.NewGuid():N}.svg");
        var stdout = new StringWriter();

        var code = SimulateCommand.Run(["--duration", "5m", "--svg", svg], stdout, new StringWriter());

        Assert.Equal(0, code);
        Assert.Contains("composite", stdout.ToString(), StringComparison.Ordinal);
        Assert.Contains($"chart: {svg}", stdout.ToString(), StringComparison.Ordinal);
        var document = XDocument.Load(svg);
        File.Delete(svg);
        Assert.Equal("svg", document.Root!.Name.LocalName);
        Assert.Equal(3, document.Descendants().Count(e => e.Name.LocalName == "path" && e.Attribute("stroke")?.Value == "#c0392b"));
    }

    [Fact]
    public void Run_Help_ListsOptionsAndExitsZero()
    {
        var stdout = new StringWriter();

        Assert.Equal(0, SimulateCommand.Run(["--help"], stdout, new StringWriter()));
        Assert.Contains("--saturation", stdout.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    // units
    [InlineData("500ms", 0.5)]
    [InlineData("2s", 2)]
    [InlineData("1.5m", 90)]
    [InlineData("1h", 3600)]
    // the product's combined form, as in trigger metadata
    [InlineData("1m30s", 90)]
    public void ParseDuration_Units(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), SimulateOptionsParser.ParseDuration(text, allowZero: false));
    }

    [Theory]
    // no unit
    [InlineData("10")]
    // negative
    [InlineData("-1s")]
    // zero where not allowed
    [InlineData("0s")]
    public void ParseDuration_Malformed_IsNull(string text)
    {
        Assert.Null(SimulateOptionsParser.ParseDuration(text, allowZero: false));
    }
}
