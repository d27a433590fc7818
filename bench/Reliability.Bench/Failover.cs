using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Keda.Bench;
using Scaler.FrontDoors.Keda.Protocol;
using Scaler.Tests.Signals.Kubernetes;

namespace Reliability.Bench;

/// <summary>
/// Two Scalers (child processes, shipped Lease timings: 15 s lease, 10 s renew deadline, 2 s retry) electing a
/// leader through the in-process Kubernetes API; a KEDA-like client of the follower asks GetMetrics every 100 ms
/// while the leader is killed (SIGKILL: the Lease must expire), and while the next leader is stopped (SIGTERM:
/// it gives the Lease up). Prints the answers the client got and how long each failover took.
/// </summary>
internal static class Failover
{
    public static async Task RunAsync(string scalerDll)
    {
        await using var api = await FakeKubeApi.StartAsync();
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"reliability-bench-{Environment.ProcessId}.kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $$"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: fake
                cluster:
                  server: {{api.Url.GetLeftPart(UriPartial.Authority)}}
            users:
              - name: fake
                user:
                  token: bench
            contexts:
              - name: fake
                context:
                  cluster: fake
                  user: fake
            current-context: fake
            """);
        await using var prometheus = await FakePrometheus.StartAsync();
        prometheus.DefaultValue = 12;
        var scaledObject = Metadata.ScaledObject(prometheus.Address, "failover");
        var replicas = new List<ScalerProcess>();
        try
        {
            replicas.Add(Start(scalerDll, "scaler-a", kubeconfig));
            replicas.Add(Start(scalerDll, "scaler-b", kubeconfig));
            foreach (var replica in replicas)
            {
                await replica.WaitReadyAsync(TimeSpan.FromSeconds(60));
            }

            var (leader, follower) = await LeaderAndFollowerAsync(replicas[0], replicas[1]);
            await FailOverAsync("crash (SIGKILL of the leader)", leader, follower, scaledObject, kill: true);

            // The replaced pod comes up and follows; then the leader is stopped as a drain does.
            var replacement = Start(scalerDll, "scaler-c", kubeconfig);
            replicas.Add(replacement);
            await replacement.WaitReadyAsync(TimeSpan.FromSeconds(60));
            (leader, follower) = await LeaderAndFollowerAsync(follower, replacement);
            await FailOverAsync("drain (SIGTERM of the leader)", leader, follower, scaledObject, kill: false);
        }
        finally
        {
            foreach (var replica in replicas)
            {
                replica.Dispose();
            }

            File.Delete(kubeconfig);
        }
    }

    private static async Task FailOverAsync(string what, ScalerProcess leader, ScalerProcess follower, ScaledObjectRef scaledObject, bool kill)
    {
        using var channel = GrpcChannel.ForAddress(follower.GrpcAddress);
        var client = new ExternalScaler.ExternalScalerClient(channel);
        var request = new GetMetricsRequest { ScaledObjectRef = scaledObject };
        var answers = new List<(TimeSpan At, string Answer)>();
        var clock = Stopwatch.StartNew();
        async Task<string> AskAsync()
        {
            try
            {
                return (await client.GetMetricsAsync(request, deadline: DateTime.UtcNow.AddSeconds(3))).MetricValues[0].MetricValue_.ToString(CultureInfo.InvariantCulture);
            }
            catch (RpcException e)
            {
                return e.StatusCode.ToString();
            }
        }

        // Before: the follower serves the leader's decision.
        while (clock.Elapsed < TimeSpan.FromSeconds(3) || answers.Count == 0 || answers[^1].Answer != "3")
        {
            answers.Add((clock.Elapsed, await AskAsync()));
            await Task.Delay(100);
        }

        var before = answers.Count;
        var failedAt = clock.Elapsed;
        if (kill)
        {
            leader.Dispose();
        }
        else
        {
            using var term = Process.Start("kill", ["-TERM", leader.Id.ToString(CultureInfo.InvariantCulture)]);
            await term!.WaitForExitAsync();
        }

        TimeSpan? servedAgain = null;
        while (clock.Elapsed - failedAt < TimeSpan.FromSeconds(60))
        {
            var answer = await AskAsync();
            answers.Add((clock.Elapsed, answer));
            if (answer == "3" && answers.Skip(before).Any(a => a.Answer != "3"))
            {
                servedAgain ??= clock.Elapsed - failedAt;
                if (clock.Elapsed - failedAt - servedAgain > TimeSpan.FromSeconds(3))
                {
                    break;
                }
            }
            else if (answer == "3" && clock.Elapsed - failedAt > TimeSpan.FromSeconds(20))
            {
                servedAgain ??= TimeSpan.Zero;
                break;
            }

            await Task.Delay(100);
        }

        var during = answers.Skip(before).ToList();
        Console.WriteLine(Invariant(
            $"failover, {what}: before {Runs(answers.Take(before))}; after {Runs(during)}; the follower served an answer again {(servedAgain is { } s ? $"{s.TotalSeconds:0.0} s" : "never (within 60 s)")} after the leader went; decided values before and after: {string.Join(", ", answers.Select(a => a.Answer).Where(a => char.IsDigit(a[0])).Distinct())}"));
    }

    /// <summary>Consecutive equal answers as "3 x12, Unavailable x40, 3 x30".</summary>
    private static string Runs(IEnumerable<(TimeSpan At, string Answer)> answers)
    {
        var runs = new List<(string Answer, int Count, TimeSpan From, TimeSpan To)>();
        foreach (var (at, answer) in answers)
        {
            if (runs.Count > 0 && runs[^1].Answer == answer)
            {
                runs[^1] = runs[^1] with { Count = runs[^1].Count + 1, To = at };
            }
            else
            {
                runs.Add((answer, 1, at, at));
            }
        }

        return string.Join(", ", runs.Select(r => Invariant($"{r.Answer} x{r.Count} ({r.From.TotalSeconds:0.0}-{r.To.TotalSeconds:0.0} s)")));
    }

    private static async Task<(ScalerProcess Leader, ScalerProcess Follower)> LeaderAndFollowerAsync(ScalerProcess a, ScalerProcess b)
    {
        using var http = new HttpClient();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var aLeads = await LeadsAsync(http, a);
            var bLeads = await LeadsAsync(http, b);
            if (aLeads ^ bLeads)
            {
                return aLeads ? (a, b) : (b, a);
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"no single leader within 60 s; the replicas' last lines:{Environment.NewLine}{a.Tail}{Environment.NewLine}---{Environment.NewLine}{b.Tail}");
    }

    private static async Task<bool> LeadsAsync(HttpClient http, ScalerProcess scaler) =>
        (await http.GetStringAsync(new Uri(scaler.HttpAddress, "/metrics"))).Split('\n').Contains("scaler_leader 1");

    private static ScalerProcess Start(string scalerDll, string name, string kubeconfig)
    {
        var peer = FreePort();
        return ScalerProcess.Start(scalerDll,
        [
            $"--Scaler:Host:PeerPort={peer}",
            $"--Scaler:Kubernetes:KubeconfigPath={kubeconfig}",
            "--Scaler:Leadership:Enabled=true",
            "--Scaler:Leadership:LeaseNamespace=scaler-system",
            $"--Scaler:Leadership:Identity={name}",
            $"--Scaler:Leadership:PeerAddress=http://127.0.0.1:{peer}",
        ]);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
