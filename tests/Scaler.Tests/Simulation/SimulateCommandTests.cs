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
    // presets by name
    [InlineData(new[] { "--preset", "fast" }, "--preset: expected realistic or classic, got 'fast'")]
    // a vLLM knob with the classic server
    [InlineData(new[] { "--server", "classic", "--kv-cache-tokens", "1000" }, "--kv-cache-tokens: applies to the vllm server model only")]
    // a classic knob with the default (vLLM) server
    [InlineData(new[] { "--max-concurrency", "8" }, "--max-concurrency: applies to the classic server model only")]
    // the classic model has only its gateway
    [InlineData(new[] { "--preset", "classic", "--routing", "service" }, "--routing: the classic server model has only its gateway queue")]
    // routing names
    [InlineData(new[] { "--routing", "random" }, "--routing: expected service, least-loaded or gateway, got 'random'")]
    // a budget smaller than the sequence cap could not decode every sequence
    [InlineData(new[] { "--max-batched-tokens", "100" }, "--max-batched-tokens: must be at least --max-num-seqs (256)")]
    // signal ages
    [InlineData(new[] { "--signal-ages", "stale" }, "--signal-ages: expected realistic or instant, got 'stale'")]
    [InlineData(new[] { "--age-prometheus", "soon" }, "--age-prometheus: expected a duration like 500ms, 2s, 1.5m, 1m30s or 1h; got 'soon'")]
    // a cache too small for the trace's longest request
    [InlineData(new[] { "--kv-cache-tokens", "1000", "--no-svg" }, "--kv-cache-tokens: a request of")]
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
        Assert.Equal(["policies", "limit", "fixed", "cheapestFixedWithinBudget", "cheapestFixedMatchingComposite"],
            json.RootElement.EnumerateObject().Select(p => p.Name));
        var policies = json.RootElement.GetProperty("policies");
        var names = policies.EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Equal([Policies.Composite, Policies.CompositePending, Policies.Hpa, Policies.Keda, Policies.RequestsHpa], names);
        var limit = json.RootElement.GetProperty("limit");
        var clairvoyant = limit.GetProperty("clairvoyant");
        Assert.Equal("clairvoyant", clairvoyant.GetProperty("name").GetString());
        Assert.True(limit.GetProperty("boundGpuHours").GetDouble() <= clairvoyant.GetProperty("gpuHours").GetDouble());
        Assert.Equal(10, json.RootElement.GetProperty("fixed").GetArrayLength());
        foreach (var policy in policies.EnumerateArray().Append(clairvoyant))
        {
            foreach (var field in new[] { "gpuHours", "requests", "sloViolations", "p50WaitSeconds", "p99WaitSeconds", "scaleEvents", "timeAtZeroSeconds", "gpuHoursToBound", "gpuHoursToClairvoyant" })
            {
                Assert.True(policy.TryGetProperty(field, out _), field);
            }

            var warmup = policy.GetProperty("warmup");
            var after = policy.GetProperty("afterWarmup");
            Assert.Equal(policy.GetProperty("requests").GetInt32(), warmup.GetProperty("requests").GetInt32() + after.GetProperty("requests").GetInt32());
        }
    }

    [Fact]
    public void Run_DefaultText_WritesTableAndSvgAndSaysWhere()
    {
        var svg = Path.Combine(Path.GetTempPath(), $"scaler-test-{Guid.NewGuid():N}.svg");
        var stdout = new StringWriter();

        var code = SimulateCommand.Run(["--duration", "5m", "--svg", svg], stdout, new StringWriter());

        Assert.Equal(0, code);
        foreach (var row in new[] { "composite", "hpa-requests", "clairvoyant", "bound", "after warm-up" })
        {
            Assert.Contains(row, stdout.ToString(), StringComparison.Ordinal);
        }

        Assert.Contains($"chart: {svg}", stdout.ToString(), StringComparison.Ordinal);
        var document = XDocument.Load(svg);
        File.Delete(svg);
        Assert.Equal("svg", document.Root!.Name.LocalName);
        Assert.Equal(5, document.Descendants().Count(e => e.Name.LocalName == "path" && e.Attribute("stroke")?.Value == "#c0392b"));

        // The clairvoyant schedule as a dashed reference in every panel.
        Assert.Equal(5, document.Descendants().Count(e => e.Name.LocalName == "path" && e.Attribute("stroke-dasharray") is not null));
    }

    [Fact]
    public void Run_ClassicPreset_SameAsTheClassicOptions()
    {
        // The command line's preset is the one the reproduction test pins (SimulatorTests).
        var stdout = new StringWriter();

        Assert.Equal(0, SimulateCommand.Run(["--preset", "classic", "--duration", "10m", "--format", "json"], stdout, new StringWriter()));

        using var json = JsonDocument.Parse(stdout.ToString());
        var composite = json.RootElement.GetProperty("policies")[0];
        var expected = Simulator.Run(TraceGenerator.Generate(TraceShape.Bursty, 42, TimeSpan.FromMinutes(10)), SimulationOptions.ClassicPreset)[0];
        Assert.Equal(Policies.Composite, composite.GetProperty("name").GetString());
        Assert.Equal(Math.Round(expected.GpuHours, 4), composite.GetProperty("gpuHours").GetDouble());
        Assert.Equal(expected.SloViolations, composite.GetProperty("sloViolations").GetInt32());
    }

    [Fact]
    public void Run_Help_ListsOptionsAndExitsZero()
    {
        var stdout = new StringWriter();

        Assert.Equal(0, SimulateCommand.Run(["--help"], stdout, new StringWriter()));
        foreach (var option in new[] { "--saturation", "--preset", "--routing", "--kv-cache-tokens", "--signal-ages", "--warm-start", "--hpa-requests-target" })
        {
            Assert.Contains(option, stdout.ToString(), StringComparison.Ordinal);
        }
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
