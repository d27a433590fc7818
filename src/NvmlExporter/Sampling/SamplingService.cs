using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NvmlExporter.Metrics;

namespace NvmlExporter.Sampling;

/// <summary>
/// Runs <see cref="NvmlSampler"/> at a fixed cadence and publishes each snapshot. A sample runs on a worker,
/// watched: one that has not finished within the stall limit (a hung init or device-count call, which every
/// sample needs) is reported as NVML down with the reason while the last GPUs are withdrawn, the loop keeps
/// beating and serving, and no new sample starts until the hung one returns (it cannot be cancelled, and a
/// second would hang the same way).
/// </summary>
public sealed partial class SamplingService : BackgroundService
{
    private readonly NvmlSampler _sampler;
    private readonly MetricsDocument _document;
    private readonly SamplerHeartbeat _heartbeat;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _stallAfter;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private Task<NvmlSnapshot>? _running;
    private DateTimeOffset _runningSince;
    private NvmlSnapshot _last = NvmlSnapshot.Empty;

    /// <param name="stallAfter">How long one sample may run before NVML is reported hung. Default 10 s.</param>
    public SamplingService(NvmlSampler sampler, MetricsDocument document, SamplerHeartbeat heartbeat, TimeSpan interval, TimeProvider time, ILogger<SamplingService> log, TimeSpan? stallAfter = null)
    {
        _sampler = sampler;
        _document = document;
        _heartbeat = heartbeat;
        _interval = interval;
        _stallAfter = stallAfter ?? TimeSpan.FromSeconds(10);
        _time = time;
        _log = log;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // NVML calls block; keep them off the thread that runs the host's start-up.
        await Task.Yield();
        using var timer = new PeriodicTimer(_interval, _time);
        do
        {
            try
            {
                await SampleOnceAsync(stoppingToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The loop must survive anything one cycle throws; the next cycle retries.
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                _running = null;
                LogCycleFailed(_log, ex);
            }

            _heartbeat.Beat(_time.GetUtcNow());
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task SampleOnceAsync(CancellationToken stoppingToken)
    {
        if (_running is null)
        {
            _runningSince = _time.GetUtcNow();
            // A thread of its own: a sample blocks in NVML calls (and may hang in one).
            _running = Task.Factory.StartNew(_sampler.Sample, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        var left = _stallAfter - (_time.GetUtcNow() - _runningSince);
        try
        {
            var snapshot = await _running.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, _time, stoppingToken).ConfigureAwait(false);
            if (_last.NvmlDownReason is { } reason && reason.StartsWith(HungPrefix, StringComparison.Ordinal))
            {
                LogSampleReturned(_log, _time.GetUtcNow() - _runningSince);
            }

            _running = null;
            _last = snapshot;
            _document.Publish(snapshot);
        }
        catch (TimeoutException)
        {
            var hungFor = _time.GetUtcNow() - _runningSince;
            if (_last.NvmlDownReason?.StartsWith(HungPrefix, StringComparison.Ordinal) != true)
            {
                LogSampleHung(_log, _stallAfter);
            }

            _last = _last with
            {
                Timestamp = _time.GetUtcNow(),
                NvmlUp = false,
                NvmlDownReason = $"{HungPrefix} for {hungFor.TotalSeconds:0} s (the driver is wedged); GPU series are withdrawn until it returns",
                Gpus = [],
                StuckCalls = 1,
            };
            _document.Publish(_last);
        }
    }

    private const string HungPrefix = "an NVML call every sample makes (init or device count) has not returned";

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "A sample cycle failed; the last snapshot is served until the next one succeeds")]
    private static partial void LogCycleFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "A sample has not finished within {StallAfter}: an NVML call hangs; NVML is reported down and no new sample starts until it returns")]
    private static partial void LogSampleHung(ILogger logger, TimeSpan stallAfter);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "The hung sample returned after {HungFor}; sampling goes on")]
    private static partial void LogSampleReturned(ILogger logger, TimeSpan hungFor);
}

/// <summary>
/// When the sampling loop last completed a cycle (whether or not NVML was up). Readiness and
/// liveness are judged from it: a wedged driver call stops the beat.
/// </summary>
public sealed class SamplerHeartbeat
{
    private long _lastTicks = DateTimeOffset.MinValue.UtcTicks;

    public DateTimeOffset? Last
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastTicks);
            return ticks == DateTimeOffset.MinValue.UtcTicks ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    public void Beat(DateTimeOffset now) => Interlocked.Exchange(ref _lastTicks, now.UtcTicks);
}
