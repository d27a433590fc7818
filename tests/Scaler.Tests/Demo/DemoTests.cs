using System.Text.Json;
using Grpc.Net.Client;
using Scaler.FrontDoors.Keda.Protocol;
using Scaler.Testing;
using Xunit.Abstractions;

namespace Scaler.Tests.Demo;

/// <summary>
/// The demo as its README command runs it: the real Scaler answers its gRPC door within seconds, and the loop is
/// closed: what the Scaler asks for, the KEDA-like loop applies to the simulated deployment within a demo minute,
/// and the count rises with the day's load and falls after its peak. Ctrl+C stops it cleanly.
/// </summary>
[Collection(DemoGroup.Name)]
public sealed class DemoTests(DemoFixture fixture, ITestOutputHelper output)
{
    private DemoProcess Demo => fixture.Demo;

    [Fact]
    public async Task GrpcDoor_TheScaledObjectItPrints_AnsweredWithinSeconds()
    {
        using var channel = GrpcChannel.ForAddress(Demo.GrpcAddress, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { UseProxy = false } });
        var client = new ExternalScaler.ExternalScalerClient(channel);
        var reference = new ScaledObjectRef { Namespace = "llm", Name = "llama" };
        foreach (var (key, value) in Demo.Metadata)
        {
            reference.ScalerMetadata[key] = value;
        }

        var spec = await client.GetMetricSpecAsync(reference).ResponseAsync.WaitAsync(TimeSpan.FromSeconds(10));
        var metrics = await Eventually.ReturnsAsync(
            async () =>
            {
                try
                {
                    return (await client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = reference, MetricName = spec.MetricSpecs[0].MetricName })).MetricValues[0].MetricValueFloat;
                }
                catch (Grpc.Core.RpcException)
                {
                    return double.NaN;
                }
            },
            value => value >= 1,
            timeout: TimeSpan.FromSeconds(20));

        Assert.Equal("vllm", Demo.Metadata["server"]);
        Assert.Equal("1", Demo.Metadata["minReplicas"]);
        Assert.Matches("^scaler-llm-llama-[0-9a-f]{8}$", spec.MetricSpecs[0].MetricName);
        Assert.InRange(metrics, 1, 8);
        Assert.True((await client.IsActiveAsync(reference)).Result);
    }

    [Fact]
    public async Task Replicas_FollowTheLoad_AppliedWithinADemoMinuteUpToThePeakDownAfterIt()
    {
        using var http = new HttpClient();
        var seen = new List<(double Minute, int Desired, int Current)>();
        var decisions = new Uri(Demo.PageUrl, "/decisions");

        // Watch the Scaler's own account (its last decision: what it asks for, and the pods it counted) through
        // a day and into the next one's morning.
        while (seen.Count == 0 || seen[^1].Minute < Day(1.12))
        {
            Assert.False(Demo.HasExited, Demo.Output);
            using var document = JsonDocument.Parse(await http.GetStringAsync(decisions));
            if (document.RootElement.GetArrayLength() > 0)
            {
                var decision = document.RootElement[0];
                var minute = (decision.GetProperty("at").GetDateTimeOffset() - Demo.ClockStart).TotalMinutes;
                seen.Add((minute, decision.GetProperty("desiredReplicas").GetInt32(), decision.GetProperty("currentReplicas").GetInt32()));
            }

            Assert.True(seen.Count < 5000, "the demo clock does not advance");
            await Task.Delay(100);
        }

        // Each time the Scaler asked for another count, the deployment had it within a demo minute.
        foreach (var change in seen.Where((s, i) => i > 0 && s.Desired != seen[i - 1].Desired && s.Minute < Day(1) - 1))
        {
            var applied = seen.FirstOrDefault(s => s.Minute > change.Minute && s.Current == change.Desired);
            var superseded = seen.FirstOrDefault(s => s.Minute > change.Minute && s.Desired != change.Desired);
            var settled = applied.Minute > 0 ? applied.Minute : double.MaxValue;
            Assert.True(settled - change.Minute <= 1 || (superseded.Minute > 0 && superseded.Minute < settled),
                $"asked for {change.Desired} at demo minute {change.Minute:0.0}, applied at {settled:0.0}; seen {Describe(seen)}");
        }

        // The load peaks at half the day (6 requests a second, about 2.5 replicas' worth at p99 within 2 s) and
        // is lowest at its ends (0.5). How far it comes down at night depends on the bursts the Scaler remembers.
        var peak = Max(seen, Day(0.4), Day(0.65));
        var after = Min(seen, Day(0.75), Day(1.12));
        output.WriteLine($"replicas: {peak} at most around the peak, {after} at least after it; seen {Describe(seen)}");
        Assert.True(peak >= 3, $"around the peak the count was at most {peak}; seen {Describe(seen)}");
        Assert.True(after < peak, $"after the peak the count stayed at {after} or more (peak {peak}); seen {Describe(seen)}");
    }

    [Fact]
    public async Task CtrlC_StopsEverythingAndExitsZero()
    {
        await using var demo = await DemoProcess.StartAsync("--speed", "10");
        using var http = new HttpClient();
        await Eventually.ReturnsAsync(() => http.GetStringAsync(new Uri(demo.PageUrl, "/decisions")), json => json.Contains("\"llama\"", StringComparison.Ordinal), timeout: TimeSpan.FromSeconds(30));

        demo.Interrupt();
        await demo.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(0, demo.ExitCode);
        Assert.Contains("scaler demo: stopped", demo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", demo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", demo.Output, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetStringAsync(new Uri(demo.PageUrl, "/healthz")));
    }

    [Fact]
    public void Readme_RunCommand_IsTheDemoTheseTestsRun()
    {
        var readme = File.ReadAllText(Path.Combine(Repository(), "README.md"));
        var twoCommands = readme[readme.IndexOf("## Set up: the two commands", StringComparison.Ordinal)..];
        var block = twoCommands[(twoCommands.IndexOf("```sh", StringComparison.Ordinal) + 5)..];

        // DemoProcess runs the built scaler.dll with "demo": what this command builds and runs.
        Assert.StartsWith("dotnet run --project src/Scaler -- demo ", block.TrimStart(), StringComparison.Ordinal);
    }

    private static string Repository()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Scaler.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Scaler.sln not found above the test output");
    }

    private static double Day(double fraction) => DemoFixture.Day.TotalMinutes * fraction;

    private static int Max(List<(double Minute, int Desired, int Current)> seen, double from, double to) =>
        seen.Where(s => s.Minute >= from && s.Minute < to).Select(s => s.Current).DefaultIfEmpty(0).Max();

    private static int Min(List<(double Minute, int Desired, int Current)> seen, double from, double to) =>
        seen.Where(s => s.Minute >= from && s.Minute < to).Select(s => s.Current).DefaultIfEmpty(int.MaxValue).Min();

    private static string Describe(List<(double Minute, int Desired, int Current)> seen) =>
        string.Join(" ", seen.Where((s, i) => i == 0 || s.Current != seen[i - 1].Current || s.Desired != seen[i - 1].Desired)
            .Select(s => FormattableString.Invariant($"{s.Minute:0.0}m:{s.Desired}/{s.Current}")));
}
