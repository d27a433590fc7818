using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Scaler.Leadership;

/// <summary>
/// Who decides now. With an election (<see cref="LeadershipOptions.Enabled"/>), <see cref="LeaseElection"/> says
/// when this replica starts and stops leading and which replica leads; without one, this process leads from
/// its start, alone. Each time this replica starts leading a new <see cref="Term"/> begins: decision state from
/// an earlier term is not trusted (another replica may have decided meanwhile), and every workload starts
/// conservative from <see cref="LeadingSince"/>.
/// </summary>
internal sealed partial class Leadership
{
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Gauge _leading;
    private volatile Snapshot _now;

    public Leadership(IOptions<LeadershipOptions> options, TimeProvider time, ILogger<Leadership> log, CollectorRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _log = log;
        var settings = options.Value;
        Elected = settings.Enabled;
        Self = settings.Enabled ? new LeaderIdentity(settings.Identity!, settings.PeerAddress!) : null;
        _now = Elected ? new Snapshot(false, 0, null, null) : new Snapshot(true, 1, time.GetUtcNow(), null);
        _leading = Metrics.WithCustomRegistry(registry ?? Metrics.DefaultRegistry).CreateGauge(
            "scaler_leader",
            "Whether this replica decides (1: it leads, or decides alone; 0: it forwards to the leader). Summed over the replicas it is 1, or 0 during a failover.");
        _leading.Set(_now.IsLeader ? 1 : 0);
    }

    /// <summary>Whether replicas elect a leader; false when this process decides alone.</summary>
    public bool Elected { get; }

    /// <summary>This replica in the Lease; null without an election.</summary>
    public LeaderIdentity? Self { get; }

    public bool IsLeader => _now.IsLeader;

    /// <summary>Counts the times this replica started leading (1 from the start without an election).</summary>
    public long Term => _now.Term;

    /// <summary>When this replica started leading in the current term; null while it does not lead.</summary>
    public DateTimeOffset? LeadingSince => _now.Since;

    /// <summary>The replica leading now, as this one last saw the Lease; null when unknown or when this one leads.</summary>
    public LeaderIdentity? Leader => _now.Leader;

    /// <summary>What this replica knows, for logs and the decision pages.</summary>
    public string Describe() => _now switch
    {
        { IsLeader: true } when !Elected => "deciding alone (no election)",
        { IsLeader: true, Since: { } since } => $"leading since {since:O} (term {Term})",
        { Leader: { } leader } => $"following {leader.Name}",
        _ => "no leader known yet",
    };

    internal void StartedLeading()
    {
        var at = _time.GetUtcNow();
        var before = _now;
        _now = new Snapshot(true, before.Term + 1, at, null);
        _leading.Set(1);
        LogStartedLeading(_log, Self?.Name ?? "", before.Term + 1);
    }

    internal void StoppedLeading()
    {
        var before = _now;
        if (before.IsLeader)
        {
            _now = before with { IsLeader = false, Since = null };
            _leading.Set(0);
            LogStoppedLeading(_log, Self?.Name ?? "");
        }
    }

    internal void Observed(string? holder)
    {
        var identity = LeaderIdentity.Parse(holder);
        var before = _now;
        if (identity is not null && identity.Name == Self?.Name)
        {
            return;
        }

        if (before.Leader != identity)
        {
            _now = before with { Leader = identity };
            LogObservedLeader(_log, identity?.Name ?? holder ?? "none");
        }
    }

    [LoggerMessage(EventId = 800, Level = LogLevel.Information, Message = "{Identity} leads (term {Term}): it decides, and every workload starts conservative: nothing goes down before a full down-stabilization window")]
    private static partial void LogStartedLeading(ILogger logger, string identity, long term);

    [LoggerMessage(EventId = 801, Level = LogLevel.Warning, Message = "{Identity} stopped leading: it forwards to the leader, or answers cannot-decide until one is known")]
    private static partial void LogStoppedLeading(ILogger logger, string identity);

    [LoggerMessage(EventId = 802, Level = LogLevel.Information, Message = "The leader is {Leader}")]
    private static partial void LogObservedLeader(ILogger logger, string leader);

    private sealed record Snapshot(bool IsLeader, long Term, DateTimeOffset? Since, LeaderIdentity? Leader);
}
