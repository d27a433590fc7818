using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using NvmlExporter.Attribution;
using NvmlExporter.Interop;
using NvmlExporter.Sampling;

namespace NvmlExporter.Metrics;

/// <summary>
/// Turns a snapshot and the current pod attribution into the exposition document. Series exist only
/// for what the snapshot holds, so a device that leaves takes its series with it, and a value NVML
/// did not answer is absent rather than 0.
/// <para>
/// Two families of names: dcgm-exporter's (<c>DCGM_FI_DEV_*</c>, its units and labels, so existing
/// dashboards keep working) and this product's own lint-clean names (<c>gpu_*</c>, base units,
/// snake_case labels). On a shared GPU each attributed pod gets its own copy of the device's series.
/// </para>
/// </summary>
public sealed class MetricsRenderer
{
    private const double MiB = 1024 * 1024;
    private const int ChunkSize = 32 * 1024;

    private static readonly string[] BucketLabels =
        [.. SamplerCounters.BucketBounds.Select(b => ExpositionWriter.Labels(("le", b.ToString("R", CultureInfo.InvariantCulture))))];
    private readonly ExpositionWriter _reusable = new(256 * 1024);
    private Dictionary<LabelKey, (string Dcgm, string Own)> _labelsNow = [];
    private Dictionary<LabelKey, (string Dcgm, string Own)> _labelsBefore = [];
    private readonly string _hostname;
    private readonly string _dcgmHostnameLabel;
    private readonly PodSeries _podSeries;
    private string? _driverVersion;

    /// <summary>dcgm-exporter's node label up to 4.8.2.</summary>
    public const string DcgmHostnameLabelDefault = "Hostname";

    /// <summary>dcgm-exporter's node label after 4.8.2 (renamed to join with other node metrics).</summary>
    public const string DcgmHostnameLabelLowercase = "hostname";

    /// <summary>NVML's clocks-event reason bits (<c>nvmlClocksEventReason*</c>) and their label values.</summary>
    private static readonly (ulong Bit, string Reason)[] ClocksEventReasons =
    [
        (0x1, "gpu_idle"), (0x2, "applications_clocks_setting"), (0x4, "sw_power_cap"), (0x8, "hw_slowdown"),
        (0x10, "sync_boost"), (0x20, "sw_thermal_slowdown"), (0x40, "hw_thermal_slowdown"),
        (0x80, "hw_power_brake_slowdown"), (0x100, "display_clock_setting"),
    ];

    private static readonly string[] ReasonLabels = [.. ClocksEventReasons.Select(r => ExpositionWriter.Labels(("reason", r.Reason)))];

    public MetricsRenderer(string hostname, string dcgmHostnameLabel = DcgmHostnameLabelDefault, PodSeries podSeries = PodSeries.PerPod)
    {
        _hostname = hostname;
        _dcgmHostnameLabel = dcgmHostnameLabel;
        _podSeries = podSeries;
    }

    private readonly record struct Entry(GpuReading Gpu, MigReading? Mig, string Dcgm, string Own);

    /// <summary>The document as one array (tests, tools).</summary>
    public byte[] Render(NvmlSnapshot snapshot, DeviceAttribution attribution, PodResourcesHealth? podResources = null)
    {
        var writer = new ExpositionWriter();
        RenderInto(writer, snapshot, attribution, podResources);
        return writer.Written.ToArray();
    }

    /// <summary>
    /// The document in chunks below the large-object threshold, rendered through a writer reused from
    /// render to render. A once-a-second render of a 100 KiB document into fresh arrays would churn the
    /// large object heap, which only a full GC reclaims (resident memory crept up by ~10 MiB); small
    /// chunks die young instead. Not thread-safe: the caller serializes renders.
    /// </summary>
    public byte[][] RenderChunks(NvmlSnapshot snapshot, DeviceAttribution attribution, PodResourcesHealth? podResources = null)
    {
        _reusable.Clear();
        RenderInto(_reusable, snapshot, attribution, podResources);
        var written = _reusable.Written;
        var chunks = new byte[(written.Length + ChunkSize - 1) / ChunkSize][];
        for (var i = 0; i < chunks.Length; i++)
        {
            chunks[i] = written.Slice(i * ChunkSize, Math.Min(ChunkSize, written.Length - (i * ChunkSize))).ToArray();
        }

        return chunks;
    }

    private void RenderInto(ExpositionWriter writer, NvmlSnapshot snapshot, DeviceAttribution attribution, PodResourcesHealth? podResources)
    {
        _driverVersion = snapshot.DriverVersion;
        var boards = new List<Entry>();
        var memories = new List<Entry>();
        var shares = new List<(Entry Entry, int Pods)>();
        foreach (var gpu in snapshot.Gpus)
        {
            if (!gpu.IsUp)
            {
                continue;
            }

            if (!gpu.MigEnabled)
            {
                var pods = attribution.ForGpu(gpu.Uuid);
                foreach (var entry in Entries(gpu, null, pods))
                {
                    boards.Add(entry);
                    memories.Add(entry);
                }

                shares.Add((Unattributed(gpu, null), pods.Length));
                continue;
            }

            // A MIG-enabled GPU: board-level series (temperature, power, clocks, ECC) stay on the parent,
            // unattributed; memory and pods are per MIG device. The parent's aggregate memory is left
            // out so that summing FB_USED over a node does not count it twice.
            boards.Add(Unattributed(gpu, null));
            foreach (var mig in gpu.MigDevices)
            {
                var pods = attribution.ForMig(mig.Uuid, gpu.Uuid, mig.GpuInstanceId);
                memories.AddRange(Entries(gpu, mig, pods));
                shares.Add((Unattributed(gpu, mig), pods.Length));
            }
        }

        // dcgm-exporter compatible.
        Gauge(writer, boards, "DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", dcgm: true, e => e.Gpu.GpuUtilizationPercent);
        Gauge(writer, boards, "DCGM_FI_DEV_MEM_COPY_UTIL", "Memory utilization (in %).", dcgm: true, e => e.Gpu.MemoryUtilizationPercent);
        Gauge(writer, memories, "DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", dcgm: true, e => Mib(Memory(e)?.Used));
        Gauge(writer, memories, "DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", dcgm: true, e => Mib(Memory(e)?.Free));
        Gauge(writer, memories, "DCGM_FI_DEV_FB_TOTAL", "Framebuffer memory total (in MiB).", dcgm: true, e => Mib(Memory(e)?.Total));
        Gauge(writer, memories, "DCGM_FI_DEV_FB_RESERVED", "Framebuffer memory reserved (in MiB).", dcgm: true, e => Mib(Memory(e)?.Reserved));
        Gauge(writer, boards, "DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", dcgm: true, e => e.Gpu.TemperatureCelsius);
        Gauge(writer, boards, "DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", dcgm: true, e => e.Gpu.PowerMilliwatts / 1000.0);
        Gauge(writer, boards, "DCGM_FI_DEV_SM_CLOCK", "SM clock frequency (in MHz).", dcgm: true, e => e.Gpu.SmClockMhz);
        Counter(writer, boards, "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", "Total number of single-bit volatile ECC errors.", dcgm: true, e => e.Gpu.EccCorrectedVolatile);
        Counter(writer, boards, "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL", "Total number of double-bit volatile ECC errors.", dcgm: true, e => e.Gpu.EccUncorrectedVolatile);
        Gauge(writer, boards, "DCGM_FI_DEV_MEM_CLOCK", "Memory clock frequency (in MHz).", dcgm: true, e => e.Gpu.MemoryClockMhz);
        Counter(writer, boards, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "Total energy consumption since boot (in mJ).", dcgm: true, e => e.Gpu.EnergyMillijoules);
        Gauge(writer, boards, "DCGM_FI_DEV_ENC_UTIL", "Encoder utilization (in %).", dcgm: true, e => e.Gpu.EncoderUtilizationPercent);
        Gauge(writer, boards, "DCGM_FI_DEV_DEC_UTIL", "Decoder utilization (in %).", dcgm: true, e => e.Gpu.DecoderUtilizationPercent);
        Counter(writer, boards, "DCGM_FI_DEV_PCIE_REPLAY_COUNTER", "Total number of PCIe retries.", dcgm: true, e => e.Gpu.PcieReplays);
        Gauge(writer, boards, "DCGM_FI_DEV_XID_ERRORS", "Value of the last XID error encountered.", dcgm: true, e => e.Gpu.Xid?.Last);
        Counter(writer, boards, "DCGM_FI_DEV_ECC_SBE_AGG_TOTAL", "Total number of single-bit persistent ECC errors.", dcgm: true, e => e.Gpu.EccCorrectedAggregate);
        Counter(writer, boards, "DCGM_FI_DEV_ECC_DBE_AGG_TOTAL", "Total number of double-bit persistent ECC errors.", dcgm: true, e => e.Gpu.EccUncorrectedAggregate);
        Counter(writer, boards, "DCGM_FI_DEV_RETIRED_SBE", "Total number of retired pages due to single-bit errors.", dcgm: true, e => e.Gpu.RetiredPagesSingleBit);
        Counter(writer, boards, "DCGM_FI_DEV_RETIRED_DBE", "Total number of retired pages due to double-bit errors.", dcgm: true, e => e.Gpu.RetiredPagesDoubleBit);
        Counter(writer, boards, "DCGM_FI_DEV_RETIRED_PENDING", "Total number of pages pending retirement.", dcgm: true, e => Flag(e.Gpu.RetiredPagesPending));
        Counter(writer, boards, "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS", "Number of remapped rows for uncorrectable errors", dcgm: true, e => e.Gpu.RemappedRows?.Uncorrectable);
        Counter(writer, boards, "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", "Number of remapped rows for correctable errors", dcgm: true, e => e.Gpu.RemappedRows?.Correctable);
        Gauge(writer, boards, "DCGM_FI_DEV_ROW_REMAP_FAILURE", "Whether remapping of rows has failed", dcgm: true, e => Flag(e.Gpu.RemappedRows?.Failed));
        Gauge(writer, boards, "DCGM_FI_DEV_ROW_REMAP_PENDING", "Whether remapping of rows is pending (applied at the next GPU reset)", dcgm: true, e => Flag(e.Gpu.RemappedRows?.Pending));
        Gauge(writer, boards, "DCGM_FI_DEV_CLOCKS_EVENT_REASONS", "Current clock event reasons (bitmask of NVML clocks-event reasons).", dcgm: true, e => e.Gpu.ClocksEventReasons);

        // This product's names: base units, snake_case labels.
        Gauge(writer, boards, "gpu_utilization_percent", "Percent of the last sample period in which one or more kernels ran (NVML duty cycle); absent on MIG.", dcgm: false, e => e.Gpu.GpuUtilizationPercent);
        Gauge(writer, memories, "gpu_memory_used_bytes", "Framebuffer memory in use, in bytes (excluding driver-reserved memory where the driver reports it apart).", dcgm: false, e => Memory(e)?.Used);
        Gauge(writer, memories, "gpu_memory_total_bytes", "Framebuffer memory of the GPU or MIG device, in bytes.", dcgm: false, e => Memory(e)?.Total);
        Gauge(writer, memories, "gpu_compute_processes", "Compute processes running on the GPU or MIG device.", dcgm: false, e => e.Mig is null ? e.Gpu.ComputeProcesses : e.Mig.ComputeProcesses);
        WriteXidCounts(writer, boards);
        WriteClocksEventReasons(writer, boards);
        if (attribution != DeviceAttribution.None && shares.Count > 0)
        {
            writer.Family("gpu_attributed_pods", "gauge", "Containers the kubelet allocated this GPU or MIG device to (more than 1 when time-sliced); divide a device's value by it to split it between them.");
            foreach (var (entry, pods) in shares)
            {
                writer.Sample("gpu_attributed_pods", entry.Own, (ulong)pods);
            }
        }

        // Exporter health.
        Gauge(writer, snapshot.Gpus.Select(g => new Entry(g, null, string.Empty, Labels(g, null, null).Own)).ToList(),
            "nvml_exporter_device_up", "Whether the GPU answered NVML in the last sample (0 after GPU_IS_LOST and the like).", dcgm: false, e => e.Gpu.IsUp ? 1 : 0);
        writer.Family("nvml_exporter_nvml_up", "gauge", "Whether NVML is loaded and initialized (0 with no driver or no GPU, or while a call every sample makes hangs).");
        writer.Sample("nvml_exporter_nvml_up", string.Empty, snapshot.NvmlUp ? 1UL : 0UL);
        writer.Family("nvml_exporter_nvml_calls_stuck", "gauge", "NVML calls that have not returned within the call timeout and still run (hung driver calls; a count).");
        writer.Sample("nvml_exporter_nvml_calls_stuck", string.Empty, (ulong)snapshot.StuckCalls);
        if (snapshot.NvmlUp)
        {
            writer.Family("nvml_exporter_gpus", "gauge", "GPUs NVML reports on this node.");
            writer.Sample("nvml_exporter_gpus", string.Empty, (ulong)snapshot.Gpus.Length);
        }

        if (snapshot.DriverVersion is not null)
        {
            writer.Family("nvml_exporter_driver_info", "gauge", "The NVIDIA driver version, as a label; the value is always 1.");
            writer.Sample("nvml_exporter_driver_info", ExpositionWriter.Labels(("driver_version", snapshot.DriverVersion), ("hostname", _hostname)), 1UL);
        }

        SweepLabels();
        WriteSamplerHealth(writer, snapshot);
        if (podResources is not null)
        {
            writer.Family("nvml_exporter_pod_resources_up", "gauge", "Whether the last kubelet pod-resources List succeeded (pod labels come from it).");
            writer.Sample("nvml_exporter_pod_resources_up", string.Empty, podResources.Up ? 1UL : 0UL);
            if (podResources.LastSuccess is { } last)
            {
                writer.Family("nvml_exporter_pod_resources_last_success_timestamp_seconds", "gauge", "Unix time of the last successful pod-resources List, in seconds.");
                writer.Sample("nvml_exporter_pod_resources_last_success_timestamp_seconds", string.Empty, last.ToUnixTimeMilliseconds() / 1000.0);
            }
        }
    }

    private static void WriteSamplerHealth(ExpositionWriter writer, NvmlSnapshot snapshot)
    {
        var counters = snapshot.Counters;
        writer.Family("nvml_exporter_sample_duration_seconds", "histogram", "Time one sample of every GPU took, in seconds.");
        for (var i = 0; i < SamplerCounters.BucketBounds.Length; i++)
        {
            writer.Sample("nvml_exporter_sample_duration_seconds_bucket", BucketLabels[i], counters.DurationBuckets[i]);
        }

        writer.Sample("nvml_exporter_sample_duration_seconds_bucket", "le=\"+Inf\"", counters.Samples);
        writer.Sample("nvml_exporter_sample_duration_seconds_sum", string.Empty, counters.DurationSumSeconds);
        writer.Sample("nvml_exporter_sample_duration_seconds_count", string.Empty, counters.Samples);

        writer.Family("nvml_exporter_sample_errors_total", "counter", "NVML calls that returned an error while sampling, by function and return code (NOT_SUPPORTED is an expected absence and not counted).");
        foreach (var ((function, code), count) in counters.Errors.OrderBy(e => e.Key.Function, StringComparer.Ordinal).ThenBy(e => e.Key.Code))
        {
            writer.Sample("nvml_exporter_sample_errors_total", ExpositionWriter.Labels(("function", function), ("code", code.Label())), count);
        }

        if (counters.Samples > 0)
        {
            writer.Family("nvml_exporter_last_sample_timestamp_seconds", "gauge", "Unix time of the last completed sample, in seconds.");
            writer.Sample("nvml_exporter_last_sample_timestamp_seconds", string.Empty, snapshot.Timestamp.ToUnixTimeMilliseconds() / 1000.0);
        }
    }

    /// <summary>Per GPU and XID number, the XID errors seen since the exporter began watching the GPU.</summary>
    private static void WriteXidCounts(ExpositionWriter writer, List<Entry> boards)
    {
        var headed = false;
        foreach (var entry in boards)
        {
            if (entry.Gpu.Xid is not { Counts.Count: > 0 } xid)
            {
                continue;
            }

            if (!headed)
            {
                writer.Family("gpu_xid_errors_total", "counter", "XID errors reported by NVML events since the exporter started watching the GPU, by XID number; a count.");
                headed = true;
            }

            foreach (var (number, count) in xid.Counts)
            {
                writer.Sample("gpu_xid_errors_total", entry.Own + ",xid=\"" + number.ToString(CultureInfo.InvariantCulture) + "\"", count);
            }
        }
    }

    /// <summary>One 0/1 series per clocks-event reason and GPU, so alerts need no bit arithmetic.</summary>
    private static void WriteClocksEventReasons(ExpositionWriter writer, List<Entry> boards)
    {
        var headed = false;
        foreach (var entry in boards)
        {
            if (entry.Gpu.ClocksEventReasons is not { } mask)
            {
                continue;
            }

            if (!headed)
            {
                writer.Family("gpu_clocks_event_reason_active", "gauge", "1 while NVML reports this reason for clocks below their maximum (formerly throttle reasons), else 0.");
                headed = true;
            }

            for (var i = 0; i < ClocksEventReasons.Length; i++)
            {
                writer.Sample("gpu_clocks_event_reason_active", entry.Own + "," + ReasonLabels[i], (mask & ClocksEventReasons[i].Bit) != 0 ? 1UL : 0UL);
            }
        }
    }

    private static double? Flag(bool? value) => value is { } v ? (v ? 1 : 0) : null;

    private static NvmlMemory? Memory(Entry e) => e.Mig is null ? e.Gpu.Memory : e.Mig.Memory;

    // dcgm-exporter reports whole MiB.
    private static double? Mib(ulong? bytes) => bytes is { } b ? Math.Floor(b / MiB) : null;

    /// <summary>The device's own entry, without pod labels (board series of a MIG parent, <c>gpu_attributed_pods</c>).</summary>
    private Entry Unattributed(GpuReading gpu, MigReading? mig)
    {
        var (dcgm, own) = Labels(gpu, mig, null);
        return new Entry(gpu, mig, dcgm, own);
    }

    private IEnumerable<Entry> Entries(GpuReading gpu, MigReading? mig, ImmutableArray<PodRef> pods)
    {
        if (pods.IsDefaultOrEmpty)
        {
            yield return Unattributed(gpu, mig);
            yield break;
        }

        if (_podSeries == PodSeries.Joined && pods.Length > 1)
        {
            var (dcgm, own) = Labels(gpu, mig, Joined(pods));
            yield return new Entry(gpu, mig, dcgm, own);
            yield break;
        }

        foreach (var pod in pods)
        {
            var (dcgm, own) = Labels(gpu, mig, pod);
            yield return new Entry(gpu, mig, dcgm, own);
        }
    }

    /// <summary>The containers of a shared device as one label set: the same order in each label, comma-separated.</summary>
    private static PodRef Joined(ImmutableArray<PodRef> pods) => new(
        string.Join(',', pods.Select(p => p.Namespace)),
        string.Join(',', pods.Select(p => p.Pod)),
        string.Join(',', pods.Select(p => p.Container)));

    /// <summary>Everything a device's label sets are made of.</summary>
    private readonly record struct LabelKey(uint Index, string Uuid, string? PciBusId, string? Name, string? MigUuid, uint GpuInstanceId, string? Profile, PodRef? Pod, string? DriverVersion);

    /// <summary>
    /// A device's two label sets, escaped once and kept while the device (and pod) is seen: label
    /// text is most of what a render would otherwise allocate every second. Entries not used by a
    /// render are dropped after it.
    /// </summary>
    private (string Dcgm, string Own) Labels(GpuReading gpu, MigReading? mig, PodRef? pod)
    {
        var key = new LabelKey(gpu.Index, gpu.Uuid, gpu.PciBusId, gpu.Name, mig?.Uuid, mig?.GpuInstanceId ?? 0, mig?.Profile, pod, _driverVersion);
        if (!_labelsNow.TryGetValue(key, out var labels))
        {
            if (!_labelsBefore.Remove(key, out labels))
            {
                labels = (DeviceLabels(gpu, mig, pod, dcgm: true), DeviceLabels(gpu, mig, pod, dcgm: false));
            }

            _labelsNow[key] = labels;
        }

        return labels;
    }

    private void SweepLabels()
    {
        (_labelsBefore, _labelsNow) = (_labelsNow, _labelsBefore);
        _labelsNow.Clear();
    }

    private string DeviceLabels(GpuReading gpu, MigReading? mig, PodRef? pod, bool dcgm)
    {
        var builder = new StringBuilder(256);
        var index = gpu.Index.ToString(CultureInfo.InvariantCulture);
        ExpositionWriter.AppendLabel(builder, "gpu", index);
        ExpositionWriter.AppendLabel(builder, dcgm ? "UUID" : "uuid", gpu.Uuid);
        ExpositionWriter.AppendLabel(builder, "pci_bus_id", gpu.PciBusId);
        ExpositionWriter.AppendLabel(builder, "device", "nvidia" + index);
        ExpositionWriter.AppendLabel(builder, dcgm ? "modelName" : "model_name", gpu.Name);
        ExpositionWriter.AppendLabel(builder, dcgm ? _dcgmHostnameLabel : "hostname", _hostname);
        if (dcgm)
        {
            // dcgm-exporter puts the driver version on every series as a label (a label-type field).
            ExpositionWriter.AppendLabel(builder, "DCGM_FI_DRIVER_VERSION", _driverVersion);
        }

        if (mig is not null)
        {
            ExpositionWriter.AppendLabel(builder, dcgm ? "GPU_I_PROFILE" : "gpu_instance_profile", mig.Profile);
            ExpositionWriter.AppendLabel(builder, dcgm ? "GPU_I_ID" : "gpu_instance_id", mig.GpuInstanceId.ToString(CultureInfo.InvariantCulture));
            if (!dcgm)
            {
                ExpositionWriter.AppendLabel(builder, "mig_uuid", mig.Uuid);
            }
        }

        if (pod is not null)
        {
            ExpositionWriter.AppendLabel(builder, "pod", pod.Pod);
            ExpositionWriter.AppendLabel(builder, "namespace", pod.Namespace);
            ExpositionWriter.AppendLabel(builder, "container", pod.Container);
        }

        return builder.ToString();
    }

    private static void Gauge(ExpositionWriter writer, List<Entry> entries, string name, string help, bool dcgm, Func<Entry, double?> value) =>
        Write(writer, entries, name, "gauge", help, dcgm, value);

    private static void Counter(ExpositionWriter writer, List<Entry> entries, string name, string help, bool dcgm, Func<Entry, double?> value) =>
        Write(writer, entries, name, "counter", help, dcgm, value);

    private static void Write(ExpositionWriter writer, List<Entry> entries, string name, string type, string help, bool dcgm, Func<Entry, double?> value)
    {
        var headed = false;
        foreach (var entry in entries)
        {
            if (value(entry) is not { } v)
            {
                continue;
            }

            if (!headed)
            {
                writer.Family(name, type, help);
                headed = true;
            }

            writer.Sample(name, dcgm ? entry.Dcgm : entry.Own, v);
        }
    }
}
