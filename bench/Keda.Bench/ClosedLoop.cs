using System.Diagnostics;
using Grpc.Core;

namespace Keda.Bench;

/// <summary>What one load level measured: latencies of the calls that started and ended inside the window.</summary>
internal sealed record LoadResult(int InFlight, long[] LatencyTicks, long Errors, TimeSpan Window, TimeSpan ServerCpu, TimeSpan ClientCpu, string? FirstError)
{
    public double Throughput => LatencyTicks.Length / Window.TotalSeconds;

    public TimeSpan Percentile(double p)
    {
        if (LatencyTicks.Length == 0)
        {
            return TimeSpan.Zero;
        }

        // Nearest rank over the sorted samples: exact, no buckets.
        var rank = (int)Math.Ceiling(p * LatencyTicks.Length) - 1;
        return Stopwatch.GetElapsedTime(0, LatencyTicks[Math.Clamp(rank, 0, LatencyTicks.Length - 1)]);
    }

    /// <summary>Server CPU per call in the window, microseconds (both cores count).</summary>
    public double ServerCpuPerCall => LatencyTicks.Length == 0 ? 0 : ServerCpu.TotalMicroseconds / LatencyTicks.Length;

    public double ClientCpuPerCall => LatencyTicks.Length == 0 ? 0 : ClientCpu.TotalMicroseconds / LatencyTicks.Length;
}

/// <summary>
/// A closed loop: <c>inFlight</c> workers each issue one call, wait for it, issue the next, over one
/// channel (one HTTP/2 connection). Calls in the warm-up are not recorded; neither are calls that
/// straddle the window's edges.
/// </summary>
internal static class ClosedLoop
{
    public static async Task<LoadResult> RunAsync(int inFlight, TimeSpan warmUp, TimeSpan window, Func<long, Task> call, Func<TimeSpan> serverCpu)
    {
        var next = -1L;
        var errors = 0L;
        string? firstError = null;
        var samples = new List<long>[inFlight];
        var clock = Stopwatch.StartNew();
        var windowStart = warmUp.Ticks;
        var windowEnd = (warmUp + window).Ticks;
        TimeSpan serverAtStart = default, clientAtStart = default;
        var marked = 0;

        async Task Worker(int worker)
        {
            var mine = samples[worker] = new List<long>(capacity: 1 << 16);
            while (true)
            {
                var startedAt = clock.Elapsed.Ticks;
                if (startedAt >= windowEnd)
                {
                    return;
                }

                if (startedAt >= windowStart && Interlocked.Exchange(ref marked, 1) == 0)
                {
                    serverAtStart = serverCpu();
                    clientAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                }

                var started = Stopwatch.GetTimestamp();
                try
                {
                    await call(Interlocked.Increment(ref next));
                }
                catch (RpcException e)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, $"{e.StatusCode}: {e.Status.Detail}", null);
                    continue;
                }

                var ended = Stopwatch.GetTimestamp();
                if (startedAt >= windowStart && clock.Elapsed.Ticks <= windowEnd)
                {
                    mine.Add(ended - started);
                }
            }
        }

        var workers = Enumerable.Range(0, inFlight).Select(i => Task.Run(() => Worker(i))).ToArray();
        await Task.WhenAll(workers);
        var serverCpuUsed = serverCpu() - serverAtStart;
        var clientCpuUsed = Process.GetCurrentProcess().TotalProcessorTime - clientAtStart;
        var all = samples.SelectMany(s => s).ToArray();
        Array.Sort(all);

        // Workers stop issuing at the window's end; the last calls finish a little after it.
        return new LoadResult(inFlight, all, errors, window, serverCpuUsed, clientCpuUsed, firstError);
    }
}
