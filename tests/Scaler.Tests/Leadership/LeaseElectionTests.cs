using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Scaler.Leadership;
using Scaler.Signals.Kubernetes;
using Scaler.Testing;
using Scaler.Tests.Signals.Kubernetes;
using Xunit;

namespace Scaler.Tests.Leadership;

/// <summary>
/// The Lease election against the in-process Kubernetes API: one leader, take-over only after the Lease expires,
/// a Lease given up on shutdown, conflicting writes, the API server down and back.
/// </summary>
public sealed class LeaseElectionTests : IAsyncLifetime
{
    private readonly List<Replica> _replicas = [];
    private FakeKubeApi _api = null!;

    public async Task InitializeAsync() => _api = await FakeKubeApi.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }

        await _api.DisposeAsync();
    }

    [Fact]
    public async Task TwoReplicas_ExactlyOneLeadsAndTheOtherKnowsWhereToForward()
    {
        var a = await StartAsync("scaler-a");
        var b = await StartAsync("scaler-b");

        await Eventually.HoldsAsync(() => a.Leadership.IsLeader ^ b.Leadership.IsLeader);
        var (leader, follower) = a.Leadership.IsLeader ? (a, b) : (b, a);
        await Eventually.HoldsAsync(() => follower.Leadership.Leader is not null);

        Assert.Equal(leader.Leadership.Self, follower.Leadership.Leader);
        Assert.Equal(1, leader.Leadership.Term);
        Assert.Equal(leader.Leadership.Self!.ToString(), (string?)_api.Lease("scaler-system", "scaler-leader")!["spec"]!["holderIdentity"]);
    }

    [Fact]
    public async Task LeaseHeldByAnotherReplica_TakenOverOnlyOnceItExpires()
    {
        HoldLease("scaler-old http://127.0.0.1:1", durationSeconds: 2);
        var watch = Stopwatch.StartNew();
        var replica = await StartAsync("scaler-new");

        await Eventually.HoldsAsync(() => replica.Leadership.Leader?.Name == "scaler-old");
        await Eventually.HoldsAsync(() => replica.Leadership.IsLeader, TimeSpan.FromSeconds(20));

        // Not before the old holder's two seconds have run out, as observed by this replica.
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(2), $"took over after {watch.Elapsed}");
        var spec = _api.Lease("scaler-system", "scaler-leader")!["spec"]!;
        Assert.Equal(replica.Leadership.Self!.ToString(), (string?)spec["holderIdentity"]);
        Assert.Equal(1, (int?)spec["leaseTransitions"]);
    }

    [Fact]
    public async Task LeaseKeptRenewedByAnother_NeverTakenOver()
    {
        HoldLease("scaler-old http://127.0.0.1:1", durationSeconds: 1);
        var replica = await StartAsync("scaler-new");
        await Eventually.HoldsAsync(() => replica.Leadership.Leader?.Name == "scaler-old");

        // The old holder renews every 300 ms for three of its one-second lease durations.
        for (var i = 0; i < 10; i++)
        {
            await Task.Delay(300);
            HoldLease("scaler-old http://127.0.0.1:1", durationSeconds: 1);
            Assert.False(replica.Leadership.IsLeader);
        }

        // Once it stops renewing, the Lease is taken over.
        await Eventually.HoldsAsync(() => replica.Leadership.IsLeader, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task LeaderStopsGracefully_GivesTheLeaseUpAndTheOtherTakesOverBeforeItWouldExpire()
    {
        var a = await StartAsync("scaler-a", leaseDuration: TimeSpan.FromSeconds(30), renewDeadline: TimeSpan.FromSeconds(20));
        await Eventually.HoldsAsync(() => a.Leadership.IsLeader);
        var b = await StartAsync("scaler-b", leaseDuration: TimeSpan.FromSeconds(30), renewDeadline: TimeSpan.FromSeconds(20));
        await Eventually.HoldsAsync(() => b.Leadership.Leader is not null);

        await a.StopAsync();

        // A Lease of 30 s would keep b waiting 30 s; given up, it is b's within a few retry periods.
        await Eventually.HoldsAsync(() => b.Leadership.IsLeader, TimeSpan.FromSeconds(10), describe: () => string.Join("\n", a.Logs.Lines().Concat(b.Logs.Lines())) + _api.Lease("scaler-system", "scaler-leader"));
        Assert.False(a.Leadership.IsLeader);
        Assert.Contains(a.Logs.Lines(), l => l.Contains("[812]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApiServerDown_LeaderStopsDecidingThenLeadsAgainInANewTerm()
    {
        var replica = await StartAsync("scaler-a");
        await Eventually.HoldsAsync(() => replica.Leadership.IsLeader);
        var firstSince = replica.Leadership.LeadingSince;

        await _api.StopAsync();

        // It cannot renew: it cannot know whether another replica took over, so it stops deciding.
        await Eventually.HoldsAsync(() => !replica.Leadership.IsLeader, TimeSpan.FromSeconds(10));
        await _api.RestartAsync();
        await Eventually.HoldsAsync(() => replica.Leadership.IsLeader, TimeSpan.FromSeconds(20));

        Assert.Equal(2, replica.Leadership.Term);
        Assert.True(replica.Leadership.LeadingSince > firstSince);
    }

    [Fact]
    public async Task ConflictingUpdate_RefusedByResourceVersion_AndOnlyOneLeads()
    {
        var replicas = new List<Replica>();
        for (var i = 0; i < 3; i++)
        {
            replicas.Add(await StartAsync("scaler-" + i.ToString(CultureInfo.InvariantCulture)));
        }

        await Eventually.HoldsAsync(() => replicas.Count(r => r.Leadership.IsLeader) == 1);
        for (var i = 0; i < 20; i++)
        {
            Assert.True(replicas.Count(r => r.Leadership.IsLeader) <= 1);
            await Task.Delay(100);
        }

        // An update from a stale read is refused with 409, as kube-apiserver does.
        var lease = _api.Lease("scaler-system", "scaler-leader")!;
        lease["metadata"]!["resourceVersion"] = "1";
        using var client = new HttpClient();
        using var response = await client.PutAsync(
            new Uri(_api.Url, "/apis/coordination.k8s.io/v1/namespaces/scaler-system/leases/scaler-leader"),
            new StringContent(lease.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(1, replicas.Count(r => r.Leadership.IsLeader));
    }

    private void HoldLease(string holder, int durationSeconds)
    {
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        var existing = _api.Lease("scaler-system", "scaler-leader");
        _api.Apply(new JsonObject
        {
            ["kind"] = "Lease",
            ["apiVersion"] = "coordination.k8s.io/v1",
            ["metadata"] = new JsonObject { ["name"] = "scaler-leader", ["namespace"] = "scaler-system" },
            ["spec"] = new JsonObject
            {
                ["holderIdentity"] = holder,
                ["leaseDurationSeconds"] = durationSeconds,
                ["acquireTime"] = (string?)existing?["spec"]?["acquireTime"] ?? now,
                ["renewTime"] = now,
                ["leaseTransitions"] = 0,
            },
        });
    }

    private async Task<Replica> StartAsync(string name, TimeSpan? leaseDuration = null, TimeSpan? renewDeadline = null)
    {
        var options = new LeadershipOptions
        {
            Enabled = true,
            LeaseNamespace = "scaler-system",
            Identity = name,
            PeerAddress = new Uri($"http://127.0.0.1:{FreePort()}"),
            LeaseDuration = leaseDuration ?? TimeSpan.FromSeconds(2),
            RenewDeadline = renewDeadline ?? TimeSpan.FromSeconds(1),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        };
        var replica = new Replica(options, new KubernetesCluster(_api.CreateClient(), null));
        _replicas.Add(replica);
        await replica.Election.StartAsync(CancellationToken.None);
        return replica;
    }

    internal static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private sealed class Replica : IAsyncDisposable
    {
        private readonly ILoggerFactory _loggers;
        private bool _stopped;

        public Replica(LeadershipOptions options, KubernetesCluster cluster)
        {
            _loggers = LoggerFactory.Create(builder => builder.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
            Leadership = new Scaler.Leadership.Leadership(Options.Create(options), TimeProvider.System, _loggers.CreateLogger<Scaler.Leadership.Leadership>(), global::Prometheus.Metrics.NewCustomRegistry());
            Election = new LeaseElection(Leadership, cluster, Options.Create(options), TimeProvider.System, _loggers.CreateLogger<LeaseElection>());
        }

        public FakeLoggerProvider Logs { get; } = new();

        public Scaler.Leadership.Leadership Leadership { get; }

        public LeaseElection Election { get; }

        public async Task StopAsync()
        {
            if (!_stopped)
            {
                _stopped = true;
                await Election.StopAsync(CancellationToken.None);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            Election.Dispose();
            _loggers.Dispose();
        }
    }
}
