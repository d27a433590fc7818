using System.Diagnostics;
using System.Globalization;
using Kubelet.PodResources.V1;
using NvmlExporter.Tests.Attribution;
using NvmlExporter.Tests.FakeNvml;

/// <summary>
/// Resident memory over a long run, as the DaemonSet's limit needs it: the exporter on the fake NVML at
/// its production cadence (1 s sampling), scraped every 15 s like the Prometheus Operator's default,
/// pods attributed through a fake kubelet, the GPUs' values changing every 10 s and an XID every 5 min.
/// Runs each scenario in its own exporter process at the same time and prints RSS per 5-minute window.
/// </summary>
internal static class Soak
{
    private static readonly TimeSpan Scrape = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    public static async Task RunAsync(string exporterPath, TimeSpan duration)
    {
        var scenarios = new (string Name, IReadOnlyList<FakeGpu> Gpus)[]
        {
            ("8 GPUs", FakeGpuFleet.H100Node(8)),
            ("8 GPUs x 7 MIG", [.. Enumerable.Range(0, 8).Select(n => FakeGpuFleet.A100Mig(n, 7))]),
        };
        Console.WriteLine($"# Exporter soak: {Path.GetFileName(exporterPath)}, {duration.TotalMinutes:F0} min, 1 s sampling, {Scrape.TotalSeconds:F0} s scrapes, pods attributed ({Environment.ProcessorCount} cores)");
        Console.WriteLine();
        var runs = scenarios.Select(s => RunOneAsync(exporterPath, s.Name, s.Gpus, duration)).ToList();
        var reports = await Task.WhenAll(runs);
        foreach (var report in reports)
        {
            Console.WriteLine(report);
        }
    }

    private static async Task<string> RunOneAsync(string exporterPath, string name, IReadOnlyList<FakeGpu> gpus, TimeSpan duration)
    {
        using var fleet = new FakeGpuFleet();
        fleet.Write(gpus);
        var socketDirectory = Directory.CreateTempSubdirectory("soak-kubelet-").FullName;
        var socket = Path.Combine(socketDirectory, "kubelet.sock");
        await using var kubelet = await FakeKubelet.StartAsync(socket, Pods(gpus));
        using var exporter = await Exporter.StartAsync(exporterPath, fleet.StatePath, ["--kubernetes", "true", "--pod-resources-socket", socket]);
        using var http = new HttpClient { BaseAddress = exporter.Address };
        var started = Stopwatch.StartNew();
        var samples = new List<(TimeSpan At, long RssKiB, int Bytes)>();
        var round = 0;
        var xids = new List<uint>();
        var nextChange = TimeSpan.Zero;
        while (started.Elapsed < duration)
        {
            if (started.Elapsed >= nextChange)
            {
                // New values every 10 s, an XID on GPU 0 every 5 min: label sets and counters change as on a busy node.
                round++;
                if (round % 30 == 0)
                {
                    xids.Add(round % 60 == 0 ? 79u : 48u);
                }

                fleet.Write(gpus.Select((g, i) => g with
                {
                    Utilization = (uint)((round * 7 + i * 13) % 101),
                    Temperature = (uint)(40 + (round + i) % 30),
                    PowerMilliwatts = (uint)(100_000 + (round * 1_000 + i) % 400_000),
                    EnergyMillijoules = g.EnergyMillijoules + (ulong)round * 3_000_000,
                    Xids = i == 0 ? [.. xids] : [],
                }));
                nextChange += TimeSpan.FromSeconds(10);
            }

            var body = await http.GetByteArrayAsync(new Uri("/metrics", UriKind.Relative));
            samples.Add((started.Elapsed, exporter.Status("VmRSS"), body.Length));
            await Task.Delay(Scrape);
        }

        var peak = exporter.Status("VmHWM");
        var cpu = exporter.CpuMilliseconds();
        var text = new System.Text.StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## {name} ({samples[^1].Bytes:N0} bytes per scrape, {samples.Count} scrapes, {xids.Count} XIDs)");
        text.AppendLine();
        text.AppendLine("| window (min) | RSS min (MiB) | RSS max (MiB) | RSS at end of window (MiB) |");
        text.AppendLine("|---|---|---|---|");
        foreach (var window in samples.GroupBy(s => (int)(s.At / Window)))
        {
            var rss = window.Select(s => s.RssKiB / 1024.0).ToList();
            text.AppendLine(CultureInfo.InvariantCulture, $"| {window.Key * Window.TotalMinutes:F0}–{(window.Key + 1) * Window.TotalMinutes:F0} | {rss.Min():F1} | {rss.Max():F1} | {rss[^1]:F1} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Peak RSS (VmHWM) {peak / 1024.0:F1} MiB; CPU {cpu / started.Elapsed.TotalSeconds:F2} ms per second over the run.");
        Directory.Delete(socketDirectory, recursive: true);
        return text.ToString();
    }

    /// <summary>One pod per whole GPU (GPU 0 time-sliced by 4 pods) or per MIG device, as the NVIDIA device plugin reports them.</summary>
    private static ListPodResourcesResponse Pods(IReadOnlyList<FakeGpu> gpus)
    {
        var pods = new List<PodResources>();
        foreach (var (gpu, i) in gpus.Select((g, i) => (g, i)))
        {
            if (gpu.Mig.Count > 0)
            {
                pods.AddRange(gpu.Mig.Select(m => KubeletAnswers.Pod("llm", $"mig-{i}-{m.Slot}", KubeletAnswers.Container("server", KubeletAnswers.Devices("nvidia.com/mig-1g.10gb", m.Uuid)))));
            }
            else if (i == 0)
            {
                pods.AddRange(Enumerable.Range(0, 4).Select(r => KubeletAnswers.Pod("llm", $"shared-{r}", KubeletAnswers.Container("server", KubeletAnswers.Devices("nvidia.com/gpu", $"{gpu.Uuid}::{r}")))));
            }
            else
            {
                pods.Add(KubeletAnswers.Pod("llm", $"vllm-{i}", KubeletAnswers.Container("server", KubeletAnswers.Devices("nvidia.com/gpu", gpu.Uuid))));
            }
        }

        return KubeletAnswers.List([.. pods]);
    }
}
