using Microsoft.Extensions.Hosting;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// Gives memory back to the system after many triggers were forgotten (<see cref="KedaDecisions.Forgotten"/>):
/// their state is garbage, but an idle process hardly collects, and the heap it grew to stays resident. At most
/// once per <see cref="CheckEvery"/>, when at least <see cref="Threshold"/> triggers went since the last trim, one
/// blocking, compacting collection in the garbage collector's aggressive mode returns the free memory (a pause of
/// milliseconds on a heap of this size, and only after a mass forgetting).
/// </summary>
internal sealed partial class ForgottenMemoryTrim(KedaDecisions decisions, TimeProvider time, ILogger<ForgottenMemoryTrim> log) : IHostedService, IDisposable
{
    public const int Threshold = 100;
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(10);

    private int _forgotten;
    private ITimer? _timer;

    /// <summary>How many trims ran (for tests).</summary>
    public int Trims { get; private set; }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        decisions.Forgotten += Count;
        _timer = time.CreateTimer(static self => ((ForgottenMemoryTrim)self!).TrimIfMany(), this, CheckEvery, CheckEvery);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        decisions.Forgotten -= Count;
        _timer?.Dispose();
    }

    /// <summary>Trims when enough triggers were forgotten since the last trim. Never throws.</summary>
    internal void TrimIfMany()
    {
        if (Volatile.Read(ref _forgotten) < Threshold)
        {
            return;
        }

        var forgotten = Interlocked.Exchange(ref _forgotten, 0);
        var before = Environment.WorkingSet;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Trims++;
        LogTrimmed(log, forgotten, before / (1024.0 * 1024), Environment.WorkingSet / (1024.0 * 1024));
    }

    private void Count(TriggerId trigger) => Interlocked.Increment(ref _forgotten);

    [LoggerMessage(EventId = 655, Level = LogLevel.Information, Message = "{Forgotten} triggers forgotten: memory given back to the system ({Before:0} MiB resident before, {After:0} MiB after)")]
    private static partial void LogTrimmed(ILogger logger, int forgotten, double before, double after);
}
