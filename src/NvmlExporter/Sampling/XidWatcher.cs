using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NvmlExporter.Interop;
using NvmlExporter.Metrics;

namespace NvmlExporter.Sampling;

/// <summary>
/// Listens for XID critical errors through NVML events on a thread of its own (the wait blocks in the
/// driver), and records them in the <see cref="XidStore"/>. It starts once the sampler has NVML up,
/// registers every GPU of the latest snapshot (GPUs that appear later too), and gives up for good,
/// with one log line, when the driver has no event support: the XID series are then absent, never 0.
/// </summary>
public sealed partial class XidWatcher : BackgroundService
{
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(1);
    private readonly INvml _nvml;
    private readonly MetricsDocument _document;
    private readonly XidStore _store;
    private readonly ILogger _log;
    private readonly TimeSpan _waitTimeout;
    private readonly Dictionary<nint, string> _registered = [];
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);

    /// <param name="waitTimeout">How long one wait in the driver may block; bounds how late shutdown is. Default 500 ms.</param>
    public XidWatcher(INvml nvml, MetricsDocument document, XidStore store, ILogger<XidWatcher> log, TimeSpan? waitTimeout = null)
    {
        _nvml = nvml;
        _document = document;
        _store = store;
        _log = log;
        _waitTimeout = waitTimeout ?? TimeSpan.FromMilliseconds(500);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stop)
    {
        NvmlEventSet? set = null;
        NvmlReturn lastWaitError = NvmlReturn.SUCCESS;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var snapshot = _document.Snapshot;
                if (!snapshot.NvmlUp)
                {
                    stop.WaitHandle.WaitOne(Idle);
                    continue;
                }

                if (set is null)
                {
                    var created = _nvml.CreateEventSet();
                    if (!created.TryGetValue(out var value))
                    {
                        LogNoEvents(_log, created.Error!.ToString());
                        return;
                    }

                    set = value;
                }

                RegisterNewGpus(snapshot, set.Value);
                var next = _nvml.WaitForXid(set.Value, _waitTimeout);
                if (next.TryGetValue(out var xid))
                {
                    lastWaitError = NvmlReturn.SUCCESS;
                    Record(xid);
                }
                else if (next.Code != NvmlReturn.ERROR_TIMEOUT)
                {
                    if (next.Code != lastWaitError)
                    {
                        LogWaitFailed(_log, next.Error!.ToString());
                        lastWaitError = next.Code;
                    }

                    stop.WaitHandle.WaitOne(Idle);
                }
            }
        }
        finally
        {
            if (set is { } open)
            {
                _nvml.FreeEventSet(open);
            }
        }
    }

    private void RegisterNewGpus(NvmlSnapshot snapshot, NvmlEventSet set)
    {
        foreach (var gpu in snapshot.Gpus)
        {
            if (!gpu.IsUp || _refused.Contains(gpu.Uuid) || _registered.ContainsValue(gpu.Uuid))
            {
                continue;
            }

            var handle = _nvml.GetDeviceHandleByIndex(gpu.Index);
            if (!handle.TryGetValue(out var device) || !_nvml.GetUuid(device).TryGetValue(out var uuid) || uuid != gpu.Uuid)
            {
                continue; // Renumbered or gone since the snapshot: the next round sees the new state.
            }

            var registered = _nvml.RegisterXidEvents(device, set);
            if (registered.IsSuccess)
            {
                _registered[device.Handle] = uuid;
                _store.Watching(uuid);
            }
            else
            {
                _refused.Add(uuid);
                LogNotRegistered(_log, gpu.Index, uuid, registered.Error!.ToString());
            }
        }
    }

    private void Record(NvmlXidEvent xid)
    {
        if (!_registered.TryGetValue(xid.Device.Handle, out var uuid) && !_nvml.GetUuid(xid.Device).TryGetValue(out uuid))
        {
            return;
        }

        _store.Record(uuid, xid.Xid);
        LogXid(_log, uuid, xid.Xid);
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "XID errors cannot be watched on this node (their series are left out): {Error}")]
    private static partial void LogNoEvents(ILogger logger, string error);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "XID events of GPU {Index} ({Uuid}) cannot be registered; its XID series are left out: {Error}")]
    private static partial void LogNotRegistered(ILogger logger, uint index, string uuid, string error);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "XID {Xid} on GPU {Uuid}")]
    private static partial void LogXid(ILogger logger, string uuid, ulong xid);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "Waiting for NVML events failed (retrying every second): {Error}")]
    private static partial void LogWaitFailed(ILogger logger, string error);
}
