using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using NvmlExporter.Attribution;
using NvmlExporter.Interop;
using NvmlExporter.Metrics;
using NvmlExporter.Sampling;
using NvmlExporter.Tests.FakeNvml;

// The exporter's benchmark: /metrics latency, CPU per sample, resident memory and freshness, for
// 8 GPUs and for 8 GPUs x 7 MIG instances, against the fake libnvidia-ml. Prints a Markdown table.
// Usage: NvmlExporter.Bench --exporter NAME=PATH [--exporter NAME=PATH ...] [--scrapes 5000] [--idle 30]
//        NvmlExporter.Bench --soak MINUTES --exporter NAME=PATH   (resident memory over a long run; Soak.cs)
var exporters = new List<(string Name, string Path)>();
var scrapes = 5000;
var idleSeconds = 30;
double? soakMinutes = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--exporter":
            var parts = args[++i].Split('=', 2);
            exporters.Add((parts[0], Path.GetFullPath(parts[1])));
            break;
        case "--scrapes":
            scrapes = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--idle":
            idleSeconds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--soak":
            soakMinutes = double.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}

if (soakMinutes is { } minutes)
{
    await Soak.RunAsync(exporters.Single().Path, TimeSpan.FromMinutes(minutes));
    return 0;
}

var scenarios = new (string Name, IReadOnlyList<FakeGpu> Gpus)[]
{
    ("8 GPUs", FakeGpuFleet.H100Node(8)),
    ("8 GPUs x 7 MIG", [.. Enumerable.Range(0, 8).Select(n => FakeGpuFleet.A100Mig(n, 7))]),
};

Console.WriteLine($"# NvmlExporter benchmark ({Environment.ProcessorCount} cores, {RuntimeInfo()})");
Console.WriteLine();
Console.WriteLine("## In-process cost of one cycle (fake NVML)");
Console.WriteLine();
Console.WriteLine("| scenario | NVML sample (µs, mean) | render (µs, mean) | exposition bytes |");
Console.WriteLine("|---|---|---|---|");
using (var nvml = new NvmlLibrary(FakeGpuFleet.LibraryPath))
{
    foreach (var (name, gpus) in scenarios)
    {
        using var fleet = new FakeGpuFleet();
        fleet.Write(gpus);
        SetFakeState(fleet.StatePath);
        var sampler = new NvmlSampler(nvml, TimeProvider.System, NullLogger<NvmlSampler>.Instance);
        var renderer = new MetricsRenderer("gpu-node-1");
        var snapshot = sampler.Sample();
        var bytes = renderer.Render(snapshot, DeviceAttribution.None).Length;
        const int Iterations = 2000;
        var sample = Stopwatch.StartNew();
        for (var i = 0; i < Iterations; i++)
        {
            snapshot = sampler.Sample();
        }

        sample.Stop();
        var render = Stopwatch.StartNew();
        for (var i = 0; i < Iterations; i++)
        {
            _ = renderer.Render(snapshot, DeviceAttribution.None);
        }

        render.Stop();
        Console.WriteLine($"| {name} | {Micros(sample.Elapsed / Iterations)} | {Micros(render.Elapsed / Iterations)} | {bytes:N0} |");
    }
}

foreach (var (exporterName, path) in exporters)
{
    Console.WriteLine();
    Console.WriteLine($"## {exporterName}: `{Path.GetFileName(path)}`" + (path.EndsWith(".dll", StringComparison.Ordinal) ? string.Empty : $" ({new FileInfo(path).Length / 1048576.0:F1} MiB binary)"));
    Console.WriteLine();
    Console.WriteLine($"| scenario | /metrics p50 (ms) | p99 (ms) | max (ms) | CPU per 1 s sample, idle (ms) | RSS idle (MiB) | RSS after {scrapes:N0} scrapes (MiB) | peak RSS (MiB) | freshness p50 / max (ms) |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
    foreach (var (name, gpus) in scenarios)
    {
        using var fleet = new FakeGpuFleet();
        fleet.Write(gpus);
        using var exporter = await Exporter.StartAsync(path, fleet.StatePath);
        using var http = new HttpClient { BaseAddress = exporter.Address };
        await Task.Delay(TimeSpan.FromSeconds(3));
        var rssIdle = exporter.Status("VmRSS");
        var cpu0 = exporter.CpuMilliseconds();
        await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
        var cpuPerSample = (exporter.CpuMilliseconds() - cpu0) / idleSeconds;

        for (var i = 0; i < 200; i++)
        {
            _ = await http.GetByteArrayAsync(new Uri("/metrics", UriKind.Relative));
        }

        var latencies = new double[scrapes];
        for (var i = 0; i < scrapes; i++)
        {
            var started = Stopwatch.GetTimestamp();
            _ = await http.GetByteArrayAsync(new Uri("/metrics", UriKind.Relative));
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        Array.Sort(latencies);
        var rssAfter = exporter.Status("VmRSS");
        var rssPeak = exporter.Status("VmHWM");

        // Freshness: time from a change on the "GPU" to the value on /metrics.
        var freshness = new List<double>();
        for (var round = 0; round < 10; round++)
        {
            var marker = (uint)(round % 2 == 0 ? 91 : 7);
            var changed = gpus.Select((g, i) => i == 0 ? g with { Utilization = marker, MemoryUtilization = (uint)(50 + round), Temperature = (uint)(60 + round) } : g).ToList();
            fleet.Write(changed);
            var started = Stopwatch.GetTimestamp();
            var expected = $"DCGM_FI_DEV_GPU_TEMP{{gpu=\"0\"";
            while (true)
            {
                var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
                var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(expected, StringComparison.Ordinal));
                if (line is not null && line.EndsWith($" {60 + round}", StringComparison.Ordinal))
                {
                    break;
                }

                await Task.Delay(5);
            }

            freshness.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            await Task.Delay(Random.Shared.Next(100, 900));
        }

        freshness.Sort();
        Console.WriteLine($"| {name} | {Percentile(latencies, 0.50):F3} | {Percentile(latencies, 0.99):F3} | {latencies[^1]:F2} | {cpuPerSample:F2} | {rssIdle / 1024.0:F1} | {rssAfter / 1024.0:F1} | {rssPeak / 1024.0:F1} | {freshness[freshness.Count / 2]:F0} / {freshness[^1]:F0} |");
    }
}

return 0;

static string Micros(TimeSpan t) => (t.TotalMilliseconds * 1000).ToString("F1", CultureInfo.InvariantCulture);

static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

static string RuntimeInfo() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;

static unsafe void SetFakeState(string path)
{
    var library = System.Runtime.InteropServices.NativeLibrary.Load(FakeGpuFleet.LibraryPath);
    var set = (delegate* unmanaged<byte*, void>)System.Runtime.InteropServices.NativeLibrary.GetExport(library, "fakeNvmlSetStateFile");
    var bytes = Encoding.UTF8.GetBytes(path + "\0");
    fixed (byte* p = bytes)
    {
        set(p);
    }
}

/// <summary>An exporter process (a .dll under `dotnet`, or a native binary) on a loopback port.</summary>
internal sealed partial class Exporter : IDisposable
{
    private readonly Process _process;

    private Exporter(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<Exporter> StartAsync(string path, string statePath, string[]? extra = null)
    {
        var dll = path.EndsWith(".dll", StringComparison.Ordinal);
        var info = new ProcessStartInfo(dll ? "dotnet" : path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (dll)
        {
            info.ArgumentList.Add(path);
        }

        foreach (var arg in extra ?? ["--kubernetes", "false"])
        {
            info.ArgumentList.Add(arg);
        }

        info.ArgumentList.Add("--listen");
        info.ArgumentList.Add("127.0.0.1:0");

        info.Environment["NVML_LIBRARY_PATH"] = FakeGpuFleet.LibraryPath;
        info.Environment["FAKE_NVML_STATE"] = statePath;
        // As the image sets it (Dockerfile): a 4 MiB gen0 budget.
        info.Environment["DOTNET_GCgen0size"] = "400000";
        var process = Process.Start(info)!;
        var address = new TaskCompletionSource<Uri>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && Listening().Match(e.Data) is { Success: true } m)
            {
                address.TrySetResult(new Uri(m.Groups[1].Value));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Exporter(process, await address.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>A /proc/PID/status field in KiB.</summary>
    public long Status(string field) =>
        long.Parse(File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>User plus system CPU time from /proc/PID/stat, in ms (clock ticks are 10 ms).</summary>
    public double CpuMilliseconds()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
    }

    public void Dispose()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
    }

    [GeneratedRegex(@"Now listening on: (http://[^\s]+)")]
    private static partial Regex Listening();
}
