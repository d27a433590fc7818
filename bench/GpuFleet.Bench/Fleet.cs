using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Scaler.Signals.Kubernetes;

namespace GpuFleet.Bench;

/// <summary>
/// Every node's /metrics: the captured nvml-exporter document with the node's name, its own GPU UUIDs,
/// its own pod names and per-GPU utilization values, so no two nodes' series are alike.
/// </summary>
internal sealed partial class FleetDocuments
{
    private FleetDocuments(byte[][] bodies, double expected)
    {
        Bodies = bodies;
        ExpectedMeanUtilization = expected;
    }

    public byte[][] Bodies { get; }

    public long TotalBytes => Bodies.Sum(b => (long)b.Length);

    /// <summary>The mean of every GPU's utilization, as the source reports it (a fraction).</summary>
    public double ExpectedMeanUtilization { get; }

    public static string NodeName(int i) => $"gpu-node-{i:0000}";

    public int IndexOf(string nodeName) => int.Parse(nodeName.AsSpan("gpu-node-".Length), CultureInfo.InvariantCulture);

    public static FleetDocuments Create(int nodes)
    {
        var template = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "nvml-exporter-8gpu.txt"));
        var bodies = new byte[nodes][];
        double sum = 0;
        for (var i = 0; i < nodes; i++)
        {
            var text = template
                .Replace("gpu-node-0001", NodeName(i), StringComparison.Ordinal)
                .Replace("-1111-4222-8333-", $"-{i:x4}-4222-8333-", StringComparison.Ordinal)
                .Replace("pod=\"vllm-", $"pod=\"vllm-{i}-", StringComparison.Ordinal);
            var node = i;
            text = UtilizationLine().Replace(text, m => $"{m.Groups[1].Value}{Utilization(node, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))}");
            for (var g = 0; g < 8; g++)
            {
                sum += Utilization(i, g);
            }

            bodies[i] = Encoding.UTF8.GetBytes(text);
        }

        return new FleetDocuments(bodies, sum / (nodes * 8) / 100);
    }

    public static double ExpectedMean(int nodes)
    {
        double sum = 0;
        for (var i = 0; i < nodes; i++)
        {
            for (var g = 0; g < 8; g++)
            {
                sum += Utilization(i, g);
            }
        }

        return sum / (nodes * 8) / 100;
    }

    private static int Utilization(int node, int gpu) => (node * 8 + gpu) % 101;

    [GeneratedRegex(@"^((?:gpu_utilization_percent|DCGM_FI_DEV_GPU_UTIL)\{gpu=""(\d+)"".*\} )\d+$", RegexOptions.Multiline)]
    private static partial Regex UtilizationLine();
}

/// <summary>One workload with 8 single-GPU pods on each node, and one exporter pod per node.</summary>
internal sealed class BenchPods : IWorkloadPods
{
    private readonly PodSet _pods;
    private readonly PodSet _exporters;

    public BenchPods(int nodes)
    {
        var pods = new List<WorkloadPod>(nodes * 8);
        var exporters = new List<WorkloadPod>(nodes);
        for (var i = 0; i < nodes; i++)
        {
            var node = FleetDocuments.NodeName(i);
            exporters.Add(new WorkloadPod("gpu-system", $"nvml-exporter-{i}", node, "127.0.0.1", true));
            for (var g = 0; g < 8; g++)
            {
                pods.Add(new WorkloadPod("llm", $"vllm-{i}-{g}", node, "127.0.0.1", true));
            }
        }

        _pods = new PodSet(pods, null, DateTimeOffset.UnixEpoch);
        _exporters = new PodSet(exporters, null, DateTimeOffset.UnixEpoch);
        Keys = [.. pods.Select(p => $"{p.Namespace}/{p.Name}")];
    }

    public HashSet<string> Keys { get; }

    public PodSet GetPods(WorkloadRef workload) => _pods;

    public PodSet GetExporters(IReadOnlyCollection<string> nodeNames) => _exporters;
}

/// <summary>The exporters' server, in a child process so that its CPU is not counted as the scaler's.</summary>
internal sealed class ExporterServer : IAsyncDisposable
{
    private readonly Process _process;

    private ExporterServer(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static async Task<ExporterServer> StartAsync(int nodes)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            info.ArgumentList.Add(typeof(ExporterServer).Assembly.Location);
        }

        foreach (var arg in new[] { "serve", "--nodes", nodes.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var line = await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("the exporter server did not start");
        return new ExporterServer(process, new Uri(line["listening ".Length..]));
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
