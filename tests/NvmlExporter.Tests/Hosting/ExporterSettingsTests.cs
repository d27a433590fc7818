using System.Net;
using NvmlExporter.Hosting;
using NvmlExporter.Metrics;

namespace NvmlExporter.Tests.Hosting;

public sealed class ExporterSettingsTests
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    [Fact]
    public void Parse_Nothing_Defaults()
    {
        var settings = ExporterSettings.Parse([], NoEnvironment);

        Assert.True(settings.IsValid);
        Assert.Equal(TimeSpan.FromSeconds(1), settings.Options.Interval);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 9400), settings.Options.Listen);
        Assert.Equal("/var/lib/kubelet/pod-resources/kubelet.sock", settings.Options.PodResourcesSocket);
        Assert.True(settings.Options.Attribution);
        Assert.Null(settings.Options.LibraryPath);
    }

    [Fact]
    public void Parse_FlagAndEnvironment_FlagWins()
    {
        var settings = ExporterSettings.Parse(["--interval=250ms"], new Dictionary<string, string?> { ["NVML_EXPORTER_INTERVAL"] = "5s", ["NODE_NAME"] = "gpu-7" });

        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.Options.Interval);
        Assert.Equal("gpu-7", settings.Options.Hostname);
    }

    [Fact]
    public void Parse_SeveralBadValues_ReportsEveryOneByName()
    {
        var settings = ExporterSettings.Parse(
            ["--listen", "host-without-port", "--kubernetes", "maybe"],
            new Dictionary<string, string?> { ["NVML_EXPORTER_INTERVAL"] = "0s", ["NVML_EXPORTER_POD_RESOURCES_SOCKET"] = "relative.sock" });

        Assert.Equal(4, settings.Errors.Count);
        Assert.Contains(settings.Errors, e => e.Contains("--listen", StringComparison.Ordinal) && e.Contains("host:port", StringComparison.Ordinal));
        Assert.Contains(settings.Errors, e => e.Contains("--kubernetes", StringComparison.Ordinal));
        Assert.Contains(settings.Errors, e => e.Contains("NVML_EXPORTER_INTERVAL", StringComparison.Ordinal) && e.Contains("positive duration", StringComparison.Ordinal));
        Assert.Contains(settings.Errors, e => e.Contains("NVML_EXPORTER_POD_RESOURCES_SOCKET", StringComparison.Ordinal));
    }

    [Theory]
    // Any address, Go style.
    [InlineData(":9400", "0.0.0.0:9400")]
    [InlineData("0.0.0.0:9400", "0.0.0.0:9400")]
    [InlineData("127.0.0.1:0", "127.0.0.1:0")]
    [InlineData("localhost:9400", "127.0.0.1:9400")]
    [InlineData("[::]:9400", "[::]:9400")]
    [InlineData("[::1]:9401", "[::1]:9401")]
    public void TryParseListen_Valid(string text, string expected)
    {
        Assert.True(ExporterSettings.TryParseListen(text, out var endpoint));
        Assert.Equal(expected, endpoint.ToString());
    }

    [Theory]
    // No port.
    [InlineData("127.0.0.1")]
    // A host name other than localhost.
    [InlineData("gpu-node:9400")]
    // Port out of range, negative, empty.
    [InlineData(":70000")]
    [InlineData(":-1")]
    [InlineData(":")]
    public void TryParseListen_Invalid(string text) => Assert.False(ExporterSettings.TryParseListen(text, out _));

    [Theory]
    [InlineData("1s", 1000)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1.5s", 1500)]
    [InlineData("-1s", -1000)]
    public void Durations_Valid(string text, int milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    // No unit, unknown unit, no number, empty.
    [InlineData("10")]
    [InlineData("10d")]
    [InlineData("s")]
    [InlineData("")]
    public void Durations_Invalid(string text) => Assert.False(Durations.TryParse(text, out _));

    [Theory]
    // dcgm-exporter 4.8.2 and earlier, and the later rename.
    [InlineData("Hostname", "Hostname", PodSeries.PerPod, "per-pod")]
    [InlineData("hostname", "hostname", PodSeries.Joined, "joined")]
    public void Parse_LabelChoices_Valid(string label, string expectedLabel, PodSeries expectedSeries, string series)
    {
        var settings = ExporterSettings.Parse([], new Dictionary<string, string?> { ["NVML_EXPORTER_DCGM_HOSTNAME_LABEL"] = label, ["NVML_EXPORTER_POD_SERIES"] = series });

        Assert.True(settings.IsValid, string.Join(" ", settings.Errors));
        Assert.Equal(expectedLabel, settings.Options.DcgmHostnameLabel);
        Assert.Equal(expectedSeries, settings.Options.PodSeries);
    }

    [Fact]
    public void Parse_LabelChoices_InvalidNamedWithTheExpectedForms()
    {
        var settings = ExporterSettings.Parse(["--dcgm-hostname-label", "HOSTNAME", "--pod-series", "sum"], NoEnvironment);

        Assert.Equal(2, settings.Errors.Count);
        Assert.Contains(settings.Errors, e => e.Contains("--dcgm-hostname-label", StringComparison.Ordinal) && e.Contains("Hostname (dcgm-exporter 4.8.2 and earlier) or hostname", StringComparison.Ordinal));
        Assert.Contains(settings.Errors, e => e.Contains("--pod-series", StringComparison.Ordinal) && e.Contains("per-pod", StringComparison.Ordinal) && e.Contains("joined", StringComparison.Ordinal));
    }
}
