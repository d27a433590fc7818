using System.Globalization;
using System.Text;

namespace NvmlExporter.Tests.FakeNvml;

/// <summary>One GPU of the fake NVML's state file. Defaults describe an idle H100 SXM.</summary>
public sealed record FakeGpu(string Uuid)
{
    public string Name { get; init; } = "NVIDIA H100 80GB HBM3";
    public string Pci { get; init; } = "00000000:17:00.0";
    public uint Utilization { get; init; }
    public uint MemoryUtilization { get; init; }
    public ulong TotalBytes { get; init; } = 85_520_809_984; // 81,559 MiB as an H100 80GB reports
    public ulong UsedBytes { get; init; }
    public ulong ReservedBytes { get; init; } = 536_870_912;
    public uint Temperature { get; init; } = 35;
    public uint PowerMilliwatts { get; init; } = 70_000;
    public uint SmClock { get; init; } = 1980;
    public ulong EccCorrected { get; init; }
    public ulong EccUncorrected { get; init; }
    public uint Processes { get; init; }
    public bool MigEnabled { get; init; }
    public bool Lost { get; init; }

    /// <summary>Its utilization call blocks (a hung driver call) until the fleet is written again without this.</summary>
    public bool Hang { get; init; }
    public uint MemoryClock { get; init; } = 2619;
    public ulong EnergyMillijoules { get; init; } = 123_456_789;
    public uint EncoderUtilization { get; init; }
    public uint DecoderUtilization { get; init; }
    public uint PcieReplays { get; init; }
    public ulong EccCorrectedAggregate { get; init; }
    public ulong EccUncorrectedAggregate { get; init; }

    /// <summary>NVML's clocks-event reasons bitmask (0x1 idle, 0x4 software power cap, 0x20 software thermal, 0x40 hardware thermal, ...).</summary>
    public ulong ClocksEventReasons { get; init; } = 0x1;

    /// <summary>True for boards that remap rows (Ampere and newer); false for boards that retire pages (Volta).</summary>
    public bool RowRemapping { get; init; } = true;
    public uint RemappedCorrectable { get; init; }
    public uint RemappedUncorrectable { get; init; }
    public bool RemapPending { get; init; }
    public bool RemapFailed { get; init; }
    public uint RetiredSingleBit { get; init; }
    public uint RetiredDoubleBit { get; init; }
    public bool RetirementPending { get; init; }

    /// <summary>Every XID raised on this GPU, oldest first; the fake delivers each entry once as an event.</summary>
    public IReadOnlyList<uint> Xids { get; init; } = [];

    /// <summary>Return codes to inject per call group: util, memory, temp, power, clock, ecc, pci, energy, encdec, replay, reasons, remap, retired, events.</summary>
    public IReadOnlyDictionary<string, int> Failures { get; init; } = new Dictionary<string, int>();

    public IReadOnlyList<FakeMig> Mig { get; init; } = [];
}

/// <summary>A MIG device in slot <see cref="Slot"/> of its parent.</summary>
public sealed record FakeMig(int Slot, string Uuid, uint GpuInstanceId, string Profile)
{
    public string ParentName { get; init; } = "NVIDIA A100-SXM4-80GB";
    public ulong TotalBytes { get; init; } = 10_737_418_240;
    public ulong UsedBytes { get; init; }
    public uint Processes { get; init; }
}

/// <summary>
/// Writes the state file the fake libnvidia-ml reads (see fake_nvml.c). Writes are atomic (temp file
/// and rename), and the library re-reads the file when it changes, so a test can change the GPUs
/// under a running exporter.
/// </summary>
public sealed class FakeGpuFleet : IDisposable
{
    private readonly string _directory;

    public FakeGpuFleet()
    {
        _directory = Directory.CreateTempSubdirectory("fake-nvml-").FullName;
        StatePath = Path.Combine(_directory, "state.txt");
    }

    public string StatePath { get; }

    /// <summary>The full fake library (all versioned exports).</summary>
    public static string LibraryPath => Path.Combine(AppContext.BaseDirectory, "fakenvml", "full", "libnvidia-ml.so.1");

    /// <summary>The old-driver fake: no _v2/_v3 exports, no MIG calls.</summary>
    public static string LegacyLibraryPath => Path.Combine(AppContext.BaseDirectory, "fakenvml", "legacy", "libnvidia-ml.so.1");

    public static string Uuid(int n) => $"GPU-{n:x8}-1111-4222-8333-{n:x12}";

    public static string MigUuid(int gpu, int slot) => $"MIG-{gpu:x8}-{slot:x4}-4000-8000-{gpu * 100 + slot:x12}";

    /// <summary>An 8 x H100 SXM node with distinct, known values per GPU.</summary>
    public static IReadOnlyList<FakeGpu> H100Node(int count = 8) =>
        [.. Enumerable.Range(0, count).Select(i => new FakeGpu(Uuid(i))
        {
            Pci = $"00000000:{0x17 + i * 0x10:X2}:00.0",
            Utilization = (uint)(10 + i * 10),
            MemoryUtilization = (uint)(5 + i),
            UsedBytes = (ulong)(i + 1) * 1_073_741_824,
            Temperature = (uint)(40 + i),
            PowerMilliwatts = (uint)(100_000 + i * 25_000),
            Processes = (uint)(i % 3),
        })];

    /// <summary>An A100 80GB in MIG mode with 7 x 1g.10gb instances (GI ids 7..13, as nvidia-smi numbers them).</summary>
    public static FakeGpu A100Mig(int n, int instances = 7) => new(Uuid(n))
    {
        Name = "NVIDIA A100-SXM4-80GB",
        Pci = $"00000000:{0x80 + n:X2}:00.0",
        MigEnabled = true,
        Mig = [.. Enumerable.Range(0, instances).Select(s => new FakeMig(s, MigUuid(n, s), (uint)(7 + s), "1g.10gb") { UsedBytes = (ulong)s * 536_870_912, Processes = (uint)(s % 2) })],
    };

    /// <param name="gpus">The GPUs, in index order.</param>
    /// <param name="initReturn">What nvmlInit returns.</param>
    /// <param name="driver">The driver version.</param>
    /// <param name="hangCount">nvmlDeviceGetCount blocks until the fleet is written again without it.</param>
    public void Write(IEnumerable<FakeGpu> gpus, int initReturn = 0, string driver = "550.54.15", bool hangCount = false)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"driver={driver} init={initReturn} hang_count={(hangCount ? 1 : 0)}\n");
        var index = 0;
        foreach (var gpu in gpus)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"gpu uuid={gpu.Uuid} name={gpu.Name.Replace(' ', '_')} pci={gpu.Pci} util={gpu.Utilization} memutil={gpu.MemoryUtilization} " +
                $"total={gpu.TotalBytes} used={gpu.UsedBytes} reserved={gpu.ReservedBytes} temp={gpu.Temperature} power={gpu.PowerMilliwatts} " +
                $"smclock={gpu.SmClock} ecc_sbe={gpu.EccCorrected} ecc_dbe={gpu.EccUncorrected} procs={gpu.Processes} mig={(gpu.MigEnabled ? 1 : 0)} lost={(gpu.Lost ? 1 : 0)} " +
                $"memclock={gpu.MemoryClock} energy={gpu.EnergyMillijoules} enc={gpu.EncoderUtilization} dec={gpu.DecoderUtilization} replay={gpu.PcieReplays} " +
                $"ecc_sbe_agg={gpu.EccCorrectedAggregate} ecc_dbe_agg={gpu.EccUncorrectedAggregate} reasons={gpu.ClocksEventReasons} rowremap={(gpu.RowRemapping ? 1 : 0)} " +
                $"remap_corr={gpu.RemappedCorrectable} remap_unc={gpu.RemappedUncorrectable} remap_pending={(gpu.RemapPending ? 1 : 0)} remap_failure={(gpu.RemapFailed ? 1 : 0)} " +
                $"retired_sbe={gpu.RetiredSingleBit} retired_dbe={gpu.RetiredDoubleBit} retired_pending={(gpu.RetirementPending ? 1 : 0)}");
            if (gpu.Xids.Count > 0)
            {
                text.Append(" xids=").AppendJoin(',', gpu.Xids);
            }

            if (gpu.Hang)
            {
                text.Append(" hang=1");
            }

            foreach (var (call, code) in gpu.Failures)
            {
                text.Append(CultureInfo.InvariantCulture, $" fail.{call}={code}");
            }

            text.Append('\n');
            foreach (var mig in gpu.Mig)
            {
                text.Append(CultureInfo.InvariantCulture,
                    $"mig parent={index} slot={mig.Slot} uuid={mig.Uuid} name={mig.ParentName.Replace(' ', '_')}_MIG_{mig.Profile} gi={mig.GpuInstanceId} ci=0 " +
                    $"total={mig.TotalBytes} used={mig.UsedBytes} procs={mig.Processes}\n");
            }

            index++;
        }

        var temp = StatePath + ".tmp";
        File.WriteAllText(temp, text.ToString());
        File.Move(temp, StatePath, overwrite: true);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
