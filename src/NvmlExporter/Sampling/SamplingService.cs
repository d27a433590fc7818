using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NvmlExporter.Metrics;

namespace NvmlExporter.Sampling;

/// <summary>Runs <see cref="NvmlSampler"/> at a fixed cadence and publishes each snapshot.</summary>
public sealed partial class SamplingService : BackgroundService
{
    private readonly NvmlSampler _sampler;
    private readonly MetricsDocument _document;
    private readonly SamplerHeartbeat _heartbeat;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    public SamplingService(NvmlSampler sampler, MetricsDocument document, SamplerHeartbeat heartbeat, TimeSpan interval, TimeProvider time, ILogger<SamplingService> log)
    {
        _sampler = sampler;
        _document = document;
        _heartbeat = heartbeat;
        _interval = interval;
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
                _document.Publish(_sampler.Sample());
            }
#pragma warning disable CA1031 // The loop must survive anything one cycle throws; the next cycle retries.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogCycleFailed(_log, ex);
            }

            _heartbeat.Beat(_time.GetUtcNow());
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "A sample cycle failed; the last snapshot is served until the next one succeeds")]
    private static partial void LogCycleFailed(ILogger logger, Exception exception);
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
