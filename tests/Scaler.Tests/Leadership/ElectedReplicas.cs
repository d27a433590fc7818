using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Scaler.Testing;
using Scaler.Tests.FrontDoors.Keda;

namespace Scaler.Tests.Leadership;

/// <summary>Two Scaler hosts that elect a leader through the in-process API: their settings, and which one leads.</summary>
internal static class ElectedReplicas
{
    /// <summary>Leader election on with short Lease timings (2 s lease, 1 s renew, 200 ms retry) and a peer port of its own.</summary>
    public static Dictionary<string, string?> Settings(string identity)
    {
        var port = LeaseElectionTests.FreePort().ToString(CultureInfo.InvariantCulture);
        return new Dictionary<string, string?>
        {
            ["Scaler:Host:PeerPort"] = port,
            ["Scaler:Leadership:Enabled"] = "true",
            ["Scaler:Leadership:LeaseNamespace"] = "scaler-system",
            ["Scaler:Leadership:Identity"] = identity,
            ["Scaler:Leadership:PeerAddress"] = $"http://127.0.0.1:{port}",
            ["Scaler:Leadership:LeaseDuration"] = "2s",
            ["Scaler:Leadership:RenewDeadline"] = "1s",
            ["Scaler:Leadership:RetryPeriod"] = "200ms",
        };
    }

    /// <summary>Once one of the two leads and the other knows it: which is which.</summary>
    public static async Task<(KedaScalerHost Leader, KedaScalerHost Follower)> LeaderAndFollowerAsync(KedaScalerHost first, KedaScalerHost second)
    {
        var a = first.Services.GetRequiredService<Scaler.Leadership.Leadership>();
        var b = second.Services.GetRequiredService<Scaler.Leadership.Leadership>();
        await Eventually.HoldsAsync(() => (a.IsLeader && b.Leader is not null) || (b.IsLeader && a.Leader is not null), TimeSpan.FromSeconds(20));
        return a.IsLeader ? (first, second) : (second, first);
    }
}
