using System.Runtime.InteropServices;
using Scaler.Signals.PrometheusText;

namespace Scaler.Signals.GpuFleet;

/// <summary>What one exporter's /metrics says about the workload's devices.</summary>
internal sealed class ExporterDocument
{
    private ExporterDocument(List<DeviceFigures> devices, bool nvmlDown, double sampleAgeSeconds)
    {
        Devices = devices;
        NvmlDown = nvmlDown;
        SampleAgeSeconds = sampleAgeSeconds;
    }

    /// <summary>The devices attributed to the workload's pods, each once.</summary>
    public IReadOnlyList<DeviceFigures> Devices { get; }

    /// <summary>The NvmlExporter said <c>nvml_exporter_nvml_up 0</c> (no driver, no GPU).</summary>
    public bool NvmlDown { get; }

    /// <summary><c>nvml_exporter_last_sample_age_seconds</c>; NaN when the exporter does not publish it (dcgm-exporter).</summary>
    public double SampleAgeSeconds { get; }

    /// <summary>
    /// Reads the series of the workload's pods. The NvmlExporter's own names (<c>gpu_utilization_percent</c>,
    /// <c>gpu_memory_used_bytes</c>, <c>gpu_memory_total_bytes</c>; labels <c>uuid</c>, <c>gpu_instance_id</c>)
    /// are used when the document has them; otherwise the dcgm-exporter names (<c>DCGM_FI_DEV_GPU_UTIL</c>,
    /// <c>DCGM_FI_DEV_FB_USED</c>, <c>DCGM_FI_DEV_FB_TOTAL</c> in MiB; labels <c>UUID</c>, <c>GPU_I_ID</c>), so
    /// the same source reads a node running dcgm-exporter. A series belongs to the workload when its
    /// <c>namespace</c> and <c>pod</c> labels name one of <paramref name="pods"/>. A device shared by
    /// several of the workload's pods (time-slicing) appears once per pod and is kept once (once per pod with <paramref name="perPod"/>).
    /// </summary>
    /// <param name="body">The scraped document.</param>
    /// <param name="pods">The workload's pods as <c>namespace/name</c>, looked up by span.</param>
    /// <param name="perPod">
    /// Keep a device once per pod it is attributed to (<see cref="DeviceFigures.Pod"/> set), for figures per pod;
    /// false keeps it once for the workload.
    /// </param>
    public static ExporterDocument Parse(ReadOnlySpan<byte> body, HashSet<string>.AlternateLookup<ReadOnlySpan<char>> pods, bool perPod = false)
    {
        Dictionary<string, Accumulator>? own = null;
        Dictionary<string, Accumulator>? dcgm = null;
        var sawOwnNames = false;
        var nvmlDown = false;
        var sampleAge = double.NaN;
        // Room for namespace/pod (63 + 1 + 253), a separator and the device (at most 120 + 1 + its instance).
        Span<char> key = stackalloc char[512];
        var reader = new PrometheusTextReader(body);
        while (reader.Read(out var sample))
        {
            var (family, field) = Classify(sample.Name);
            if (family == Family.None)
            {
                if (sample.NameIs("nvml_exporter_nvml_up"u8))
                {
                    nvmlDown = sample.Value == 0;
                }
                else if (sample.NameIs("nvml_exporter_last_sample_age_seconds"u8))
                {
                    sampleAge = sample.Value;
                }

                continue;
            }

            sawOwnNames |= family == Family.Own;
            var podLength = WorkloadPod(sample, pods, key);
            if (double.IsNaN(sample.Value) || podLength == 0)
            {
                continue;
            }

            // Per pod, the device key starts with the pod's: namespace/pod|uuid/instance.
            var length = 0;
            if (perPod)
            {
                length = podLength;
                key[length++] = '|';
            }

            var uuidLabel = family == Family.Own ? "uuid"u8 : "UUID"u8;
            var instanceLabel = family == Family.Own ? "gpu_instance_id"u8 : "GPU_I_ID"u8;
            if (!sample.TryGetLabel(uuidLabel, out var uuid))
            {
                continue;
            }

            if (!uuid.TryDecode(key[length..], out var uuidLength) || uuidLength > 120)
            {
                continue;
            }

            length += uuidLength;
            key[length++] = '/';
            if (sample.TryGetLabel(instanceLabel, out var instance))
            {
                if (!instance.TryDecode(key[length..], out var instanceLength))
                {
                    continue;
                }

                length += instanceLength;
            }

            var devices = family == Family.Own ? own ??= new(StringComparer.Ordinal) : dcgm ??= new(StringComparer.Ordinal);
            ref var device = ref CollectionsMarshal.GetValueRefOrAddDefault(devices.GetAlternateLookup<ReadOnlySpan<char>>(), key[..length], out var exists);
            if (!exists)
            {
                device = new Accumulator(double.NaN, double.NaN, double.NaN);
            }

            // DCGM reports framebuffer in MiB; the ratio is what matters, bytes keep both families alike.
            var value = family == Family.Dcgm && field != Field.Utilization ? sample.Value * 1024 * 1024 : sample.Value;
            switch (field)
            {
                case Field.Utilization:
                    device.Utilization = value;
                    break;
                case Field.Used:
                    device.Used = value;
                    break;
                default:
                    device.Total = value;
                    break;
            }
        }

        var chosen = sawOwnNames ? own : dcgm;
        var list = new List<DeviceFigures>(chosen?.Count ?? 0);
        if (chosen is not null)
        {
            foreach (var (deviceKey, device) in chosen)
            {
                var separator = perPod ? deviceKey.IndexOf('|', StringComparison.Ordinal) : -1;
                list.Add(separator < 0
                    ? new DeviceFigures(deviceKey, device.Utilization, device.Used, device.Total)
                    : new DeviceFigures(deviceKey[(separator + 1)..], device.Utilization, device.Used, device.Total) { Pod = deviceKey[..separator] });
            }
        }

        return new ExporterDocument(list, nvmlDown, sampleAge);
    }

    /// <summary>Writes the series' <c>namespace/pod</c> into <paramref name="key"/>; its length when that is one of <paramref name="pods"/>, else 0.</summary>
    private static int WorkloadPod(in PrometheusSample sample, HashSet<string>.AlternateLookup<ReadOnlySpan<char>> pods, Span<char> key)
    {
        if (!sample.TryGetLabel("pod"u8, out var pod) || !sample.TryGetLabel("namespace"u8, out var ns))
        {
            return 0;
        }

        // Namespaces are at most 63 characters and pod names 253; anything longer is not one of ours.
        key = key[..320];
        if (!ns.TryDecode(key, out var nsLength) || nsLength + 1 >= key.Length)
        {
            return 0;
        }

        key[nsLength] = '/';
        var length = pod.TryDecode(key[(nsLength + 1)..], out var podLength) ? nsLength + 1 + podLength : 0;
        return length > 0 && pods.Contains(key[..length]) ? length : 0;
    }

    private static (Family, Field) Classify(ReadOnlySpan<byte> name)
    {
        // Cheap first test: every series of interest starts with 'g' or 'D'.
        if (name.IsEmpty || (name[0] != (byte)'g' && name[0] != (byte)'D'))
        {
            return (Family.None, default);
        }

        if (name.SequenceEqual("gpu_utilization_percent"u8))
        {
            return (Family.Own, Field.Utilization);
        }

        if (name.SequenceEqual("gpu_memory_used_bytes"u8))
        {
            return (Family.Own, Field.Used);
        }

        if (name.SequenceEqual("gpu_memory_total_bytes"u8))
        {
            return (Family.Own, Field.Total);
        }

        if (name.SequenceEqual("DCGM_FI_DEV_GPU_UTIL"u8))
        {
            return (Family.Dcgm, Field.Utilization);
        }

        if (name.SequenceEqual("DCGM_FI_DEV_FB_USED"u8))
        {
            return (Family.Dcgm, Field.Used);
        }

        if (name.SequenceEqual("DCGM_FI_DEV_FB_TOTAL"u8))
        {
            return (Family.Dcgm, Field.Total);
        }

        return (Family.None, default);
    }

    private enum Family
    {
        None,
        Own,
        Dcgm,
    }

    private enum Field
    {
        Utilization,
        Used,
        Total,
    }

    private struct Accumulator(double utilization, double used, double total)
    {
        public double Utilization = utilization;
        public double Used = used;
        public double Total = total;
    }
}
