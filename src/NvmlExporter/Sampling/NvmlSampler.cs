using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using NvmlExporter.Interop;

namespace NvmlExporter.Sampling;

/// <summary>
/// Reads every GPU once per call and returns an immutable snapshot. Owns NVML's init state: with no
/// driver it reports NVML down (logging the reason once, not per cycle) and retries init at a slower
/// pace. One failing device never hides the others; a device that is gone is simply not in the next
/// snapshot. One GPU whose calls hang (a wedged driver call, which cannot be cancelled) is marked stuck after
/// the call timeout, its series withdrawn, and not read again until the hung call returns; the other GPUs go
/// on being sampled. One sampling loop calls <see cref="Sample"/>; a hung read finishing later on its own
/// thread only touches state under a lock.
/// </summary>
public sealed partial class NvmlSampler
{
    private readonly INvml _nvml;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly TimeSpan _initRetry;
    private readonly XidStore? _xids;
    private readonly Dictionary<uint, (string Uuid, string? Name, string? PciBusId)> _identityByIndex = [];
    private readonly HashSet<string> _unreadable = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, NvmlReturn), long> _errorCounts = [];
    private readonly long[] _buckets = new long[SamplerCounters.BucketBounds.Length];
    private readonly Dictionary<uint, (Task<GpuReading> Read, DateTimeOffset Since)> _stuck = [];
    private readonly Lock _gate = new();
    private readonly TimeSpan _callTimeout;
    private double _durationSum;
    private long _samples;
    private bool _up;
    private string? _downReason;
    private DateTimeOffset _nextInitAttempt = DateTimeOffset.MinValue;
    private string? _driverVersion;

    /// <param name="xids">Where <see cref="XidWatcher"/> records XID errors; copied into each GPU's reading.</param>
    /// <param name="callTimeout">How long one GPU's reads may take before it is marked stuck. Default 5 s.</param>
    public NvmlSampler(INvml nvml, TimeProvider time, ILogger<NvmlSampler> log, TimeSpan? initRetry = null, XidStore? xids = null, TimeSpan? callTimeout = null)
    {
        _nvml = nvml;
        _time = time;
        _log = log;
        _initRetry = initRetry ?? TimeSpan.FromSeconds(10);
        _xids = xids;
        _callTimeout = callTimeout ?? TimeSpan.FromSeconds(5);
    }

    public NvmlSnapshot Sample()
    {
        var started = _time.GetTimestamp();
        var now = _time.GetUtcNow();
        var gpus = ImmutableArray<GpuReading>.Empty;
        if (EnsureInitialized(now))
        {
            var count = _nvml.GetDeviceCount();
            if (count.TryGetValue(out var n))
            {
                var builder = ImmutableArray.CreateBuilder<GpuReading>((int)n);
                for (uint i = 0; i < n; i++)
                {
                    builder.Add(ReadGpuWithin(i, now));
                }

                gpus = builder.MoveToImmutable();
            }
            else
            {
                Count(count.Error!);
                GoDown(count.Error!.ToString());
            }
        }

        var duration = _time.GetElapsedTime(started);
        Observe(duration);
        return new NvmlSnapshot(now, duration, _up, _up ? null : _downReason, _driverVersion, gpus, Counters()) { StuckCalls = _stuck.Count };
    }

    /// <summary>
    /// One GPU's reading within the call timeout, read on a worker so that a hung call blocks the worker and not
    /// this loop: a GPU still stuck from an earlier cycle is reported stuck without being called again.
    /// </summary>
    private GpuReading ReadGpuWithin(uint index, DateTimeOffset now)
    {
        if (_stuck.TryGetValue(index, out var stuck))
        {
            if (!stuck.Read.IsCompleted)
            {
                return Stuck(index, now - stuck.Since);
            }

            _stuck.Remove(index);
            LogGpuUnstuck(_log, index, now - stuck.Since);
        }

        // A thread of its own: a read that hangs must hold neither this loop nor a thread-pool thread others wait for.
        var read = Task.Factory.StartNew(() => ReadGpu(index), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            return read.WaitAsync(_callTimeout, _time).GetAwaiter().GetResult();
        }
        catch (TimeoutException)
        {
            _stuck[index] = (read, now);
            var reading = Stuck(index, _callTimeout);
            LogGpuStuck(_log, index, reading.Uuid.Length == 0 ? "unknown uuid" : reading.Uuid, _callTimeout);
            Count(reading.Error!);
            return reading;
        }
    }

    /// <summary>A GPU whose call has not returned: withdrawn, with why (its identity from before, if known).</summary>
    private GpuReading Stuck(uint index, TimeSpan hungFor)
    {
        (string Uuid, string? Name, string? PciBusId) identity;
        lock (_gate)
        {
            _identityByIndex.TryGetValue(index, out identity);
        }

        var error = new NvmlError("nvmlDevice (watchdog)", NvmlReturn.ERROR_TIMEOUT, $"an NVML call on this GPU has not returned for {hungFor.TotalSeconds:0} s; its series are withdrawn until it does");
        return new GpuReading(index, identity.Uuid ?? string.Empty, identity.Name, identity.PciBusId, error,
            null, null, null, null, null, null, null, null, null, false, []);
    }

    private bool EnsureInitialized(DateTimeOffset now)
    {
        if (_up)
        {
            return true;
        }

        if (now < _nextInitAttempt)
        {
            return false;
        }

        _nextInitAttempt = now + _initRetry;
        var init = _nvml.Initialize();
        if (!init.IsSuccess)
        {
            Count(init.Error!);
            var reason = init.Code == NvmlReturn.ERROR_LIBRARY_NOT_FOUND
                ? $"{init.Error!.Message} (no NVIDIA driver on this host, or the container was not started with the NVIDIA runtime)"
                : init.Error!.ToString();
            GoDown(reason);
            return false;
        }

        _up = true;
        _downReason = null;
        _driverVersion = _nvml.GetDriverVersion().TryGetValue(out var v) ? v : null;
        var count = _nvml.GetDeviceCount();
        LogNvmlUp(_log, _driverVersion ?? "unknown", count.IsSuccess ? (int)count.Value : -1,
            _nvml.MissingExports.Count == 0 ? "none" : string.Join(", ", _nvml.MissingExports));
        return true;
    }

    private void GoDown(string reason)
    {
        _up = false;
        if (!string.Equals(reason, _downReason, StringComparison.Ordinal))
        {
            _downReason = reason;
            LogNvmlDown(_log, reason);
        }
    }

    private GpuReading ReadGpu(uint index)
    {
        var handle = _nvml.GetDeviceHandleByIndex(index);
        if (!handle.TryGetValue(out var device))
        {
            return Unreadable(index, handle.Error!);
        }

        var uuid = _nvml.GetUuid(device);
        if (!uuid.TryGetValue(out var id))
        {
            return Unreadable(index, uuid.Error!);
        }

        var name = Get(_nvml.GetName(device));
        var pci = Get(_nvml.GetPciBusId(device));
        bool back;
        lock (_gate)
        {
            _identityByIndex[index] = (id, name, pci);
            back = _unreadable.Remove(id) | _unreadable.Remove("#" + index);
        }

        if (back)
        {
            LogGpuBack(_log, index, id);
        }

        var mig = Get(_nvml.GetMigEnabled(device)) ?? false;
        var utilization = GetValue(_nvml.GetUtilization(device));
        var memory = GetValue(_nvml.GetMemory(device), mig ? NvmlReturn.ERROR_NO_PERMISSION : NvmlReturn.SUCCESS);
        var reading = new GpuReading(
            Index: index,
            Uuid: id,
            Name: name,
            PciBusId: pci,
            Error: null,
            GpuUtilizationPercent: utilization?.GpuPercent,
            MemoryUtilizationPercent: utilization?.MemoryPercent,
            Memory: memory,
            TemperatureCelsius: GetValue(_nvml.GetTemperatureCelsius(device)),
            PowerMilliwatts: GetValue(_nvml.GetPowerUsageMilliwatts(device)),
            SmClockMhz: GetValue(_nvml.GetClockMhz(device, NvmlClock.Sm)),
            EccCorrectedVolatile: GetValue(_nvml.GetTotalEccErrors(device, NvmlEccErrorType.Corrected, NvmlEccCounter.Volatile)),
            EccUncorrectedVolatile: GetValue(_nvml.GetTotalEccErrors(device, NvmlEccErrorType.Uncorrected, NvmlEccCounter.Volatile)),
            ComputeProcesses: GetValue(_nvml.GetComputeRunningProcessCount(device), mig ? NvmlReturn.ERROR_NO_PERMISSION : NvmlReturn.SUCCESS),
            MigEnabled: mig,
            MigDevices: mig ? ReadMigDevices(device) : [])
        {
            MemoryClockMhz = GetValue(_nvml.GetClockMhz(device, NvmlClock.Memory)),
            EnergyMillijoules = GetValue(_nvml.GetTotalEnergyMillijoules(device)),
            EncoderUtilizationPercent = GetValue(_nvml.GetEncoderUtilization(device)),
            DecoderUtilizationPercent = GetValue(_nvml.GetDecoderUtilization(device)),
            PcieReplays = GetValue(_nvml.GetPcieReplayCounter(device)),
            EccCorrectedAggregate = GetValue(_nvml.GetTotalEccErrors(device, NvmlEccErrorType.Corrected, NvmlEccCounter.Aggregate)),
            EccUncorrectedAggregate = GetValue(_nvml.GetTotalEccErrors(device, NvmlEccErrorType.Uncorrected, NvmlEccCounter.Aggregate)),
            ClocksEventReasons = GetValue(_nvml.GetClocksEventReasons(device)),
            RetiredPagesSingleBit = GetValue(_nvml.GetRetiredPageCount(device, NvmlPageRetirementCause.MultipleSingleBitErrors)),
            RetiredPagesDoubleBit = GetValue(_nvml.GetRetiredPageCount(device, NvmlPageRetirementCause.DoubleBitError)),
            RetiredPagesPending = Get(_nvml.GetRetiredPagesPending(device)),
            RemappedRows = GetValue(_nvml.GetRemappedRows(device)),
            Xid = _xids?.For(id),
        };
        return reading;
    }

    private ImmutableArray<MigReading> ReadMigDevices(NvmlDevice parent)
    {
        var max = _nvml.GetMaxMigDeviceCount(parent);
        if (!max.TryGetValue(out var slots))
        {
            Count(max.Error!);
            return [];
        }

        var builder = ImmutableArray.CreateBuilder<MigReading>();
        for (uint slot = 0; slot < slots; slot++)
        {
            // Slots are sparse: NOT_FOUND is an empty slot, not an error.
            var handle = _nvml.GetMigDeviceHandleByIndex(parent, slot);
            if (!handle.TryGetValue(out var mig))
            {
                if (handle.Code != NvmlReturn.ERROR_NOT_FOUND)
                {
                    Count(handle.Error!);
                }

                continue;
            }

            var uuid = _nvml.GetUuid(mig);
            var gi = _nvml.GetGpuInstanceId(mig);
            if (!uuid.TryGetValue(out var id) || !gi.TryGetValue(out var instance))
            {
                Count((uuid.Error ?? gi.Error)!);
                continue;
            }

            var name = Get(_nvml.GetName(mig));
            builder.Add(new MigReading(
                Slot: slot,
                Uuid: id,
                Name: name,
                GpuInstanceId: instance,
                ComputeInstanceId: GetValue(_nvml.GetComputeInstanceId(mig)),
                Profile: MigProfile(name),
                Memory: GetValue(_nvml.GetMemory(mig)),
                ComputeProcesses: GetValue(_nvml.GetComputeRunningProcessCount(mig))));
        }

        return builder.ToImmutable();
    }

    /// <summary>A MIG device's name ends with its profile: "NVIDIA H100 80GB HBM3 MIG 1g.10gb".</summary>
    internal static string MigProfile(string? name)
    {
        if (name is null)
        {
            return "unknown";
        }

        var at = name.LastIndexOf("MIG ", StringComparison.Ordinal);
        return at < 0 || at + 4 >= name.Length ? "unknown" : name[(at + 4)..].Trim();
    }

    private GpuReading Unreadable(uint index, NvmlError error)
    {
        Count(error);
        bool known;
        (string Uuid, string? Name, string? PciBusId) identity;
        bool first;
        lock (_gate)
        {
            known = _identityByIndex.TryGetValue(index, out identity);
            first = _unreadable.Add(known ? identity.Uuid : "#" + index);
        }

        var uuid = known ? identity.Uuid : string.Empty;
        if (first)
        {
            LogGpuUnreadable(_log, index, known ? uuid : "unknown uuid", error.ToString());
        }

        return new GpuReading(index, uuid, identity.Name, identity.PciBusId, error,
            null, null, null, null, null, null, null, null, null, false, []);
    }

    /// <summary>Expected absences (NOT_SUPPORTED, or <paramref name="alsoExpected"/>) are not counted as errors.</summary>
    private T? Get<T>(NvmlResult<T> result, NvmlReturn alsoExpected = NvmlReturn.SUCCESS)
        where T : class
    {
        if (result.TryGetValue(out var value))
        {
            return value;
        }

        CountUnexpected(result.Error!, alsoExpected);
        return null;
    }

    private bool? Get(NvmlResult<bool> result)
    {
        if (result.TryGetValue(out var value))
        {
            return value;
        }

        CountUnexpected(result.Error!, NvmlReturn.SUCCESS);
        return null;
    }

    private T? GetValue<T>(NvmlResult<T> result, NvmlReturn alsoExpected = NvmlReturn.SUCCESS)
        where T : struct
    {
        if (result.TryGetValue(out var value))
        {
            return value;
        }

        CountUnexpected(result.Error!, alsoExpected);
        return null;
    }

    private void CountUnexpected(NvmlError error, NvmlReturn alsoExpected)
    {
        if (error.Code != NvmlReturn.ERROR_NOT_SUPPORTED && error.Code != alsoExpected)
        {
            Count(error);
        }
    }

    private void Count(NvmlError error)
    {
        var key = (error.Function, error.Code);
        lock (_gate)
        {
            _errorCounts[key] = _errorCounts.GetValueOrDefault(key) + 1;
        }
    }

    private void Observe(TimeSpan duration)
    {
        var seconds = duration.TotalSeconds;
        _samples++;
        _durationSum += seconds;
        for (var i = 0; i < _buckets.Length; i++)
        {
            if (seconds <= SamplerCounters.BucketBounds[i])
            {
                _buckets[i]++;
            }
        }
    }

    private SamplerCounters Counters()
    {
        lock (_gate)
        {
            return new(_errorCounts.ToImmutableDictionary(), [.. _buckets], _durationSum, _samples);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "NVML up: driver {DriverVersion}, {GpuCount} GPUs; exports missing from this driver: {MissingExports}")]
    private static partial void LogNvmlUp(ILogger logger, string driverVersion, int gpuCount, string missingExports);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "NVML unavailable, serving exporter health only (will retry): {Reason}")]
    private static partial void LogNvmlDown(ILogger logger, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "GPU {Index} ({Uuid}) cannot be read; its series are withdrawn: {Error}")]
    private static partial void LogGpuUnreadable(ILogger logger, uint index, string uuid, string error);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "GPU {Index} ({Uuid}) is readable again")]
    private static partial void LogGpuBack(ILogger logger, uint index, string uuid);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "GPU {Index} ({Uuid}): an NVML call has not returned within {CallTimeout}; the GPU is marked stuck, its series withdrawn, and the other GPUs are still sampled")]
    private static partial void LogGpuStuck(ILogger logger, uint index, string uuid, TimeSpan callTimeout);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "GPU {Index}: the hung NVML call returned after {HungFor}; the GPU is read again")]
    private static partial void LogGpuUnstuck(ILogger logger, uint index, TimeSpan hungFor);
}
