using System.Diagnostics;
using System.Globalization;
using GpuFleet.Bench;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Scaler.Signals.GpuFleet;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.PrometheusText;

// The GPU fleet benchmark of issue 4 (docs/signals-gpu-and-queues.md): one workload on N GPU nodes of
// 8 GPUs, each node's exporter a loopback endpoint serving a real nvml-exporter document (values varied
// per node). The exporters are served by a child process, so this process's CPU time is the scaler's
// side only: scraping, parsing and aggregating. Prints a markdown table; never part of the test run.
// Usage: dotnet run -c Release --project bench/GpuFleet.Bench [-- --nodes 1250 --cycles 20 --concurrency 64]
var c = CultureInfo.InvariantCulture;
var nodes = Option("--nodes", 1250);
if (args is ["serve", ..])
{
    await Serve(nodes);
    return 0;
}

var cycles = Option("--cycles", 20);
var concurrency = Option("--concurrency", 64);
var server = await ExporterServer.StartAsync(nodes);
try
{
    var workload = new WorkloadRef("llm", "vllm");
    var pods = new BenchPods(nodes);
    var handler = ScrapeHandler.Create();
    // Real exporters are one address each (one keep-alive connection apiece); here they share one port.
    handler.MaxConnectionsPerServer = concurrency;
    using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    var source = new GpuFleetSource(
        pods,
        new MetricsScraper(http, TimeProvider.System),
        Options.Create(new GpuFleetOptions
        {
            MaxConcurrency = concurrency,
            ScrapeTimeout = TimeSpan.FromSeconds(10),
            EndpointResolver = exporter => new Uri(server.BaseAddress, $"/node/{exporter.NodeName}"),
        }),
        TimeProvider.System,
        NullLogger<GpuFleetSource>.Instance);
    var query = new GpuFleetQuery(workload, GpuFleetAggregate.MeanUtilization);

    for (var i = 0; i < 3; i++)
    {
        await source.ReadAsync(query, CancellationToken.None);
    }

    var serverCpuBefore = server.CpuTime;
    var full = Measure(cycles, async () =>
    {
        var reading = await source.ReadAsync(query, CancellationToken.None);
        Check(reading.IsUsable && Math.Abs(reading.Value - FleetDocuments.ExpectedMean(nodes)) < 1e-9 && reading.Coverage?.Answered == nodes,
            $"reading {reading.Status} {reading.Value} (expected {FleetDocuments.ExpectedMean(nodes)}), coverage {reading.Coverage?.Answered}/{reading.Coverage?.Expected} {reading.Reason}");
    });
    var serverCpu = (server.CpuTime - serverCpuBefore).TotalMilliseconds / cycles;
    using var self = Process.GetCurrentProcess();
    self.Refresh();
    var (peak, workingSet, heap) = (self.PeakWorkingSet64, self.WorkingSet64, GC.GetGCMemoryInfo().HeapSizeBytes);

    // Then parse only: every document from memory in this process, no HTTP (the parser's and the
    // aggregation's share); after the full reads, so the documents are not in their memory figures.
    var documents = FleetDocuments.Create(nodes);
    var lookup = pods.Keys.GetAlternateLookup<ReadOnlySpan<char>>();
    Task ParseAll()
    {
        var devices = 0;
        foreach (var document in documents.Bodies)
        {
            devices += ExporterDocument.Parse(document, lookup).Devices.Count;
        }

        Check(devices == nodes * 8, $"parsed {devices} devices");
        return Task.CompletedTask;
    }

    for (var i = 0; i < 3; i++)
    {
        await ParseAll();
    }

    var parse = Measure(cycles, ParseAll);

    Console.WriteLine(string.Create(c, $"{nodes:N0} exporters x 8 GPUs = {nodes * 8:N0} GPUs; document {documents.Bodies[0].Length / 1024.0:0.0} KiB, {documents.TotalBytes / 1048576.0:0.0} MiB per refresh; {cycles} cycles after 3 warm-up; concurrency {concurrency}; {Environment.ProcessorCount} cores; server GC {System.Runtime.GCSettings.IsServerGC}; .NET {Environment.Version}"));
    Console.WriteLine();
    Console.WriteLine("| per refresh cycle | CPU (ms) | wall (ms) | allocated (MiB) |");
    Console.WriteLine("|---|---:|---:|---:|");
    Console.WriteLine(string.Create(c, $"| parse + aggregate only (documents in memory) | {parse.CpuMs:0} | {parse.WallMs:0} | {parse.AllocatedMiB:0.0} |"));
    Console.WriteLine(string.Create(c, $"| full read: HTTP scrape + parse + aggregate | {full.CpuMs:0} | {full.WallMs:0} | {full.AllocatedMiB:0.0} |"));
    Console.WriteLine();
    Console.WriteLine(string.Create(c, $"Full reads: peak working set {peak / 1048576.0:0} MiB, working set after {workingSet / 1048576.0:0} MiB, GC heap {heap / 1048576.0:0} MiB (before the parse-only phase loads every document into this process); exporter-server process CPU {serverCpu:0} ms per cycle (not counted above)."));
    return 0;
}
finally
{
    await server.DisposeAsync();
}

static (double CpuMs, double WallMs, double AllocatedMiB) Measure(int cycles, Func<Task> cycle)
{
    using var self = Process.GetCurrentProcess();
    GC.Collect();
    var cpu = self.TotalProcessorTime;
    var allocated = GC.GetTotalAllocatedBytes(precise: true);
    var wall = Stopwatch.StartNew();
    for (var i = 0; i < cycles; i++)
    {
        cycle().GetAwaiter().GetResult();
    }

    wall.Stop();
    self.Refresh();
    return ((self.TotalProcessorTime - cpu).TotalMilliseconds / cycles, wall.Elapsed.TotalMilliseconds / cycles, (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1048576.0 / cycles);
}

static void Check(bool condition, string what)
{
    if (!condition)
    {
        throw new InvalidOperationException($"benchmark self-check failed: {what}");
    }
}

int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static async Task Serve(int nodes)
{
    var documents = FleetDocuments.Create(nodes);
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.UseUrls("http://127.0.0.1:0");
    var app = builder.Build();
    app.MapGet("/node/{name}", async (HttpContext context, string name) =>
    {
        var body = documents.Bodies[documents.IndexOf(name)];
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body);
    });
    await app.StartAsync();
    Console.WriteLine($"listening {app.Urls.First()}");
    // Serve until the parent closes stdin or kills the process.
    await Console.In.ReadToEndAsync();
    await app.StopAsync();
}
