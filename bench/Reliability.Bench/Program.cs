using System.Globalization;
using Reliability.Bench;

// Reliability of one Scaler shared by many teams, and of two replicas (issue 15). Prints, for each part:
//   memory   the Scaler in a child process (its shipped settings, but a short forget): resident memory idle,
//            with --objects ScaledObjects and --streams push streams on one connection (goal <= 200 MiB at
//            1,000), how many streams were held, then after every trigger was forgotten (goal: within 25% of
//            idle), for --rounds rounds of new names (churn);
//   broker   in process, a real RabbitMQ: a healthy tenant next to two triggers on a dead broker for
//            --tenant-seconds (goal: never UNAVAILABLE), then --restarts broker restarts and the time from
//            the broker answering again to a fresh reading (goal <= 5 s);
//   failover two Scalers in child processes electing a leader through the in-process Kubernetes API: the
//            answers a client of the follower gets while the leader is killed (SIGKILL) and while the next
//            leader is stopped (SIGTERM), and how long each failover took.
// Usage: dotnet run -c Release --project bench/Reliability.Bench -- [memory] [broker] [failover]
//        [--objects 1000] [--streams 2000] [--rounds 2] [--tenant-seconds 75] [--restarts 3] [--scaler path/to/scaler.dll]
var parts = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) && !char.IsDigit(a[0]) && !a.Contains('/', StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
if (parts.Count == 0)
{
    parts = ["memory", "broker", "failover"];
}

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, "--" + name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

var scalerAt = Array.IndexOf(args, "--scaler");
var scalerDll = scalerAt >= 0 ? args[scalerAt + 1] : ScalerBinary.Find();
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a")}; scaler {scalerDll}");

if (parts.Contains("memory"))
{
    await MemoryAndStreams.RunAsync(scalerDll, Option("objects", 1000), Option("streams", 2000), Option("rounds", 2));
}

if (parts.Contains("broker"))
{
    await BrokerIsolation.RunAsync(TimeSpan.FromSeconds(Option("tenant-seconds", 75)), Option("restarts", 3));
}

if (parts.Contains("failover"))
{
    await Failover.RunAsync(scalerDll);
}

return 0;
