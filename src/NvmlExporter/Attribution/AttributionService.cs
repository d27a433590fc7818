using System.Collections.Immutable;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace NvmlExporter.Attribution;

/// <summary>
/// Lists the kubelet's pod resources every interval and publishes which pods use which device to the
/// <see cref="AttributionStore"/>, with the source's health. With no socket, attribution is off (one log
/// line) and the exporter serves unattributed series. When <c>List</c> fails (a kubelet restart) the last
/// good attribution is kept for a grace period, then dropped. Logs on state changes only, never per cycle,
/// and never throws out of its loop.
/// </summary>
public sealed partial class AttributionService : BackgroundService
{
    private readonly IPodResourcesSource _source;
    private readonly AttributionStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _grace;

    // Loop state: touched by the one loop only.
    private PodResourcesStatus? _status;
    private IReadOnlyDictionary<string, ImmutableArray<PodRef>>? _held;
    private bool _published;
    private DateTimeOffset? _lastSuccess;
    private string? _lastUnexpected;

    public AttributionService(
        IPodResourcesSource source,
        AttributionStore store,
        TimeProvider time,
        ILogger<AttributionService> log,
        TimeSpan interval,
        TimeSpan? grace = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _source = source;
        _store = store;
        _time = time;
        _log = log;
        _interval = interval;
        _grace = grace ?? GraceFor(interval);
    }

    /// <summary>How long the last good attribution outlives failing <c>List</c> calls: 3 intervals, at least 30 s.</summary>
    public static TimeSpan GraceFor(TimeSpan interval) =>
        TimeSpan.FromTicks(Math.Max(interval.Ticks * 3, TimeSpan.FromSeconds(30).Ticks));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Created before the first await so that the first tick is one interval after start.
        using var timer = new PeriodicTimer(_interval, _time);
        try
        {
            do
            {
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }

    /// <summary>One cycle: list, then publish. Throws only when <paramref name="cancellationToken"/> is cancelled.</summary>
    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            PodResourcesReading reading;
            try
            {
                reading = await _source.ListAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The contract says sources return failures; a source that throws is treated the same way.
                reading = PodResourcesReading.Failure(PodResourcesStatus.Failed, ex.Message);
            }

            Apply(reading, _time.GetUtcNow());
            _lastUnexpected = null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A bug here or in a Changed handler: keep the loop alive, say so once per distinct error.
            if (!string.Equals(ex.Message, _lastUnexpected, StringComparison.Ordinal))
            {
                _lastUnexpected = ex.Message;
                LogUnexpected(_log, ex, _interval);
            }
        }
    }

    private void Apply(PodResourcesReading reading, DateTimeOffset now)
    {
        if (reading is { Status: PodResourcesStatus.Ok, Response: { } response })
        {
            var devices = AttributionBuilder.Map(response);
            if (_status != PodResourcesStatus.Ok)
            {
                LogAttributionOn(_log, devices.Count, _source.Address);
            }

            _status = PodResourcesStatus.Ok;
            _lastSuccess = now;
            _store.PublishHealth(new PodResourcesHealth(true, now));

            // Published only when it changes: a publish re-renders the metrics document.
            if (_held is null || !AttributionBuilder.SameDevices(_held, devices))
            {
                _held = devices;
                Publish(new DeviceAttribution(devices, now));
            }

            return;
        }

        var status = reading.Status == PodResourcesStatus.Ok ? PodResourcesStatus.Failed : reading.Status;
        var error = reading.Error ?? "no response";
        var keep = _held is not null && now - _lastSuccess < _grace;
        if (status != _status)
        {
            LogFailure(status, error, keep);
        }

        _status = status;
        _store.PublishHealth(new PodResourcesHealth(false, _lastSuccess));
        if (keep)
        {
            return;
        }

        if (_held is not null)
        {
            LogAttributionDropped(_log, _source.Address, _grace);
            _held = null;
            Publish(DeviceAttribution.None);
        }
        else if (!_published)
        {
            Publish(DeviceAttribution.None);
        }
    }

    private void LogFailure(PodResourcesStatus status, string error, bool keeping)
    {
        if (keeping)
        {
            LogListFailedKeeping(_log, _source.Address, status, error, _grace, _interval);
        }
        else if (status == PodResourcesStatus.SocketAbsent)
        {
            LogSocketAbsent(_log, _source.Address, Path.GetDirectoryName(_source.Address) ?? _source.Address);
        }
        else if (status == PodResourcesStatus.PermissionDenied)
        {
            LogPermissionDenied(_log, _source.Address, error);
        }
        else
        {
            LogListFailed(_log, _source.Address, error, _interval);
        }
    }

    private void Publish(DeviceAttribution attribution)
    {
        _published = true;
        _store.Publish(attribution);
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Pod attribution on: {DeviceCount} devices in use by pods, listed from {Socket}")]
    private static partial void LogAttributionOn(ILogger logger, int deviceCount, string socket);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Pod attribution off: the kubelet pod-resources socket {Socket} does not exist. Mount the host directory {Directory} into the exporter (the directory, not the socket file) and run it as root; series carry no pod labels until the socket appears")]
    private static partial void LogSocketAbsent(ILogger logger, string socket, string directory);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Pod attribution off: permission denied on the kubelet pod-resources socket {Socket} ({Error}). The socket is root-only: run the exporter as UID 0")]
    private static partial void LogPermissionDenied(ILogger logger, string socket, string error);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Pod-resources List on {Socket} failed ({Status}: {Error}); keeping the last attribution for up to {Grace}, retrying every {Interval}")]
    private static partial void LogListFailedKeeping(ILogger logger, string socket, PodResourcesStatus status, string error, TimeSpan grace, TimeSpan interval);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Pod attribution off: no successful pod-resources List on {Socket} for {Grace}; series carry no pod labels until one succeeds")]
    private static partial void LogAttributionDropped(ILogger logger, string socket, TimeSpan grace);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Pod attribution off: pod-resources List on {Socket} failed ({Error}); retrying every {Interval}")]
    private static partial void LogListFailed(ILogger logger, string socket, string error, TimeSpan interval);

    [LoggerMessage(EventId = 107, Level = LogLevel.Error, Message = "Pod attribution cycle failed unexpectedly; retrying every {Interval}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, TimeSpan interval);
}
