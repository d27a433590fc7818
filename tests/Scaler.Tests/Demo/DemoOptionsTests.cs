using Scaler.Demo;
using Scaler.Simulation;

namespace Scaler.Tests.Demo;

public sealed class DemoOptionsTests
{
    [Fact]
    public void Parse_Nothing_TheReadmesDefaults()
    {
        var (options, errors) = DemoOptions.Parse([]);

        Assert.Empty(errors);
        Assert.Equal((10.0, TraceShape.Diurnal, 8, 9090, 8080, 6443, 8000), (options.Speed, options.Shape, options.MaxReplicas, options.GrpcPort, options.HttpPort, options.HttpsPort, options.PodPort));
    }

    [Fact]
    public void Parse_Everything_BothForms()
    {
        var (options, errors) = DemoOptions.Parse(["--speed", "30", "--generate=bursty", "--duration", "20m", "--seed", "7", "--max-replicas", "4", "--startup", "30s", "--grpc-port", "0", "--http-port=0", "--https-port", "0", "--pod-port", "0"]);

        Assert.Empty(errors);
        Assert.Equal((30.0, TraceShape.Bursty, TimeSpan.FromMinutes(20), 7, 4, TimeSpan.FromSeconds(30)), (options.Speed, options.Shape, options.Duration, options.Seed, options.MaxReplicas, options.Startup));
        Assert.Equal((0, 0, 0, 0), (options.GrpcPort, options.HttpPort, options.HttpsPort, options.PodPort));
    }

    [Theory]
    // Faster than the host can keep up with, or slower than real time.
    [InlineData("--speed", "500", "--speed: expected a number from 1 to 100 such as 10; got '500'")]
    [InlineData("--speed", "0.5", "--speed: expected a number from 1 to 100")]
    [InlineData("--generate", "spiky", "--generate: expected steady, bursty or diurnal; got 'spiky'")]
    // Shorter than the generator's minute regimes.
    [InlineData("--duration", "30s", "--duration: expected a duration of 1m or more")]
    [InlineData("--http-port", "70000", "--http-port: expected a port number from 1 to 65535, or 0 for any free port; got '70000'")]
    [InlineData("--max-replicas", "0", "--max-replicas: expected a whole number from 1 to 16")]
    [InlineData("--nope", "1", "--nope: unknown option")]
    public void Parse_BadValue_NamesTheOptionAndTheForm(string option, string value, string error)
    {
        var (_, errors) = DemoOptions.Parse([option, value]);

        Assert.Contains(errors, e => e.StartsWith(error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_BadOptions_ExitTwoWithEveryErrorOnStderr()
    {
        var stderr = new StringWriter();

        var code = await DemoCommand.RunAsync(["--speed", "x", "--pod-port", "-1"], new StringWriter(), stderr);

        Assert.Equal(2, code);
        Assert.Contains("scaler demo: --speed:", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("scaler demo: --pod-port:", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("scaler demo --help", stderr.ToString(), StringComparison.Ordinal);
    }
}
