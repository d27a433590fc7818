using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;
using Scaler.Decisions;
using Scaler.Signals;

// 1,000 callers ask the same workload's reading for 10 s through the ReadingCache over a source that
// counts its reads and takes 5-50 ms each. Goal (issue 4): exactly one upstream read per source per
// workload per refresh interval, whatever the number of callers.
// Usage: dotnet run -c Release --project bench/Signals.Bench -- [seconds=10] [callers=1000] [refreshSeconds=1]
var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 10;
var callerCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000;
var refresh = TimeSpan.FromSeconds(args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 1);

var source = new CountingSource();
var services = new ServiceCollection();
services.AddLogging();
services.AddSingleton(Metrics.NewCustomRegistry());
services.AddSingleton<ISignalSource<BenchQuery>>(source);
services.AddSignalSource<BenchQuery, CountingSource>(BenchQuery.SourceName, o => o.RefreshInterval = refresh);
using var provider = services.BuildServiceProvider();
var cache = provider.GetRequiredService<ReadingCache>();
var query = new BenchQuery("default/vllm");

GC.Collect();
var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
var gen0Before = GC.CollectionCount(0);
var clock = Stopwatch.StartNew();
var deadline = TimeSpan.FromSeconds(seconds);
var histograms = new LatencyHistogram[callerCount];
var unusable = 0L;
var callers = Enumerable.Range(0, callerCount).Select(i => Task.Run(async () =>
{
    var histogram = histograms[i] = new LatencyHistogram();
    while (clock.Elapsed < deadline)
    {
        var started = Stopwatch.GetTimestamp();
        var reading = await cache.GetAsync(query, CancellationToken.None);
        histogram.Record(Stopwatch.GetElapsedTime(started));
        if (!reading.IsUsable)
        {
            Interlocked.Increment(ref unusable);
        }

        // Let the other callers in: without it a synchronously completing call never yields its thread.
        await Task.Yield();
    }
})).ToArray();
await Task.WhenAll(callers);
var elapsed = clock.Elapsed;
var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
var merged = LatencyHistogram.Merge(histograms);
var reads = source.Reads;
var intervals = elapsed / refresh;

Console.WriteLine(FormattableString.Invariant($"callers {callerCount}, {elapsed.TotalSeconds:0.00} s, refresh interval {refresh.TotalSeconds:0.###} s, source latency 5-50 ms"));
Console.WriteLine(FormattableString.Invariant($"caller asks:        {merged.Count:N0} ({merged.Count / elapsed.TotalSeconds:N0}/s), unusable answers {unusable} (the first asks, before the first read)"));
Console.WriteLine(FormattableString.Invariant($"upstream reads:     {reads} ({reads / elapsed.TotalSeconds:0.00}/s); {intervals:0.00} refresh intervals elapsed -> expected {Math.Floor(intervals):0}-{Math.Ceiling(intervals):0} (the first ask's read, then one per interval)"));
Console.WriteLine(FormattableString.Invariant($"caller latency:     p50 {merged.Percentile(0.50).TotalMicroseconds:0.0} us, p99 {merged.Percentile(0.99).TotalMicroseconds:0.0} us, p99.9 {merged.Percentile(0.999).TotalMicroseconds:0.0} us, max {merged.Max.TotalMilliseconds:0.0} ms"));
Console.WriteLine(FormattableString.Invariant($"allocated:          {allocated / (double)merged.Count:0.0} bytes per ask ({allocated / 1048576.0:0.0} MiB total, gen0 GCs {GC.CollectionCount(0) - gen0Before})"));
Console.WriteLine(FormattableString.Invariant($"memory:             managed heap {GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0:0.0} MiB, working set {Environment.WorkingSet / 1048576.0:0.0} MiB"));
return 0;

internal sealed record BenchQuery(string Workload) : SignalQuery
{
    public const string SourceName = "bench";

    private readonly string _key = "bench|" + Workload;

    public override string Source => SourceName;

    public override string Key => _key;
}

/// <summary>Counts reads; each takes 5-50 ms like a Prometheus query or a broker round trip.</summary>
internal sealed class CountingSource : ISignalSource<BenchQuery>
{
    private int _reads;

    public int Reads => Volatile.Read(ref _reads);

    public async ValueTask<Reading> ReadAsync(BenchQuery query, CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _reads);
        await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 51)), cancellationToken);
        return Reading.Fresh(n, TimeProvider.System.GetUtcNow());
    }
}

/// <summary>Log-scale buckets 2% wide from 1 ns to ~100 s; one per caller, merged at the end (no shared counters while measuring).</summary>
internal sealed class LatencyHistogram
{
    private const double Growth = 1.02;
    private static readonly double LogGrowth = Math.Log(Growth);
    private readonly long[] _buckets = new long[1300];

    public long Count { get; private set; }

    public TimeSpan Max { get; private set; }

    public void Record(TimeSpan latency)
    {
        var ns = Math.Max(1, latency.TotalNanoseconds);
        _buckets[Math.Min(_buckets.Length - 1, (int)(Math.Log(ns) / LogGrowth))]++;
        Count++;
        if (latency > Max)
        {
            Max = latency;
        }
    }

    public static LatencyHistogram Merge(IEnumerable<LatencyHistogram> histograms)
    {
        var merged = new LatencyHistogram();
        foreach (var histogram in histograms)
        {
            for (var i = 0; i < merged._buckets.Length; i++)
            {
                merged._buckets[i] += histogram._buckets[i];
            }

            merged.Count += histogram.Count;
            merged.Max = histogram.Max > merged.Max ? histogram.Max : merged.Max;
        }

        return merged;
    }

    public TimeSpan Percentile(double p)
    {
        var target = (long)Math.Ceiling(p * Count);
        long seen = 0;
        for (var i = 0; i < _buckets.Length; i++)
        {
            seen += _buckets[i];
            if (seen >= target)
            {
                return TimeSpan.FromTicks((long)(Math.Pow(Growth, i + 1) / 100));
            }
        }

        return Max;
    }
}
