using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scaler.Decisions;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.PrometheusText;

namespace Scaler.Signals.GpuFleet;

/// <summary>
/// Reads the GPUs a workload's ready pods hold from the GPU exporters (NvmlExporter, or dcgm-exporter)
/// on those pods' nodes, and aggregates them per workload (<see cref="GpuFleetAggregate"/>).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Pods unknown (cache not synced, no cluster) or exporters unknown: unavailable with that reason.</item>
/// <item>Coverage is counted per node: a node answered when one of its exporter pods answered. A node
///   with no ready exporter pod, or whose exporters failed (down, timeout, HTTP error, garbage, NVML down,
///   stale sample), is missing, with why.</item>
/// <item>Fresh when at least <see cref="GpuFleetOptions.MinNodeCoverage"/> of the nodes answered and at
///   least one device is attributed; the reading carries the coverage when partial.</item>
/// <item>No node answered and at least one failure was transport (refused, reset, timeout, HTTP 5xx):
///   throws <see cref="HttpRequestException"/>, so the resilience pipeline retries and breaks. Otherwise
///   (nothing to scrape, only garbage or 4xx): unavailable.</item>
/// <item>Nodes answered but no series is attributed to the workload's pods: unavailable
///   ("no GPU series attributed to pods of ns/name"), never 0.</item>
/// </list>
/// </remarks>
internal sealed partial class GpuFleetSource(
    IWorkloadPods kubernetes,
    MetricsScraper scraper,
    IOptions<GpuFleetOptions> options,
    TimeProvider time,
    ILogger<GpuFleetSource> logger) : ISignalSource<GpuFleetQuery>
{
    private const int MissingShown = 5;

    public async ValueTask<Reading> ReadAsync(GpuFleetQuery query, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var workload = $"{query.Workload.Namespace}/{query.Workload.Name}";
        var pods = kubernetes.GetPods(query.Workload);
        if (!pods.IsKnown)
        {
            return Reading.Unavailable($"pods of {workload} unknown: {pods.UnavailableReason}");
        }

        var podKeys = new HashSet<string>(StringComparer.Ordinal);
        var nodes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var pod in pods.Pods)
        {
            if (pod.Ready && pod.NodeName is not null)
            {
                podKeys.Add($"{pod.Namespace}/{pod.Name}");
                nodes.Add(pod.NodeName);
            }
        }

        if (nodes.Count == 0)
        {
            return Reading.Unavailable($"no ready pods of {workload} on a node");
        }

        var exporters = kubernetes.GetExporters(nodes);
        if (!exporters.IsKnown)
        {
            return Reading.Unavailable($"GPU exporters on the nodes of {workload} unknown: {exporters.UnavailableReason}");
        }

        var missing = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var targets = new List<(string Node, string Name, Uri Uri)>();
        foreach (var exporter in exporters.Pods)
        {
            if (exporter.NodeName is null || !nodes.Contains(exporter.NodeName))
            {
                continue;
            }

            var name = $"{exporter.Namespace}/{exporter.Name}";
            if (!exporter.Ready)
            {
                missing.TryAdd(exporter.NodeName, $"exporter {name} not ready");
                continue;
            }

            var uri = PodScrapes.Endpoint(exporter, query.ExporterPort, query.ExporterPath, settings.EndpointResolver);
            if (uri is null)
            {
                missing.TryAdd(exporter.NodeName, $"exporter {name} has no pod IP");
                continue;
            }

            targets.Add((exporter.NodeName, name, uri));
        }

        var lookup = podKeys.GetAlternateLookup<ReadOnlySpan<char>>();
        var maxAge = settings.MaxSampleAge.TotalSeconds;
        var limits = new ScrapeLimits(settings.ScrapeTimeout, settings.MaxResponseBytes, settings.MaxConcurrency);
        var perPod = query.Aggregate is GpuFleetAggregate.PodUtilization or GpuFleetAggregate.PodMemoryUsed;
        var results = await scraper.ScrapeAllAsync([.. targets.Select(t => t.Uri)], limits, body => ExporterDocument.Parse(body, lookup, perPod), cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < results.Length; i++)
        {
            // An exporter that answers for a driver that is not up, or with an old sample, did not answer.
            results[i] = results[i].Value switch
            {
                { NvmlDown: true } => new(null, new ScrapeFailure(ScrapeFailureKind.Malformed, "NVML is not up on the node (nvml_exporter_nvml_up 0)")),
                { SampleAgeSeconds: var age } when age > maxAge => new(null, new ScrapeFailure(ScrapeFailureKind.Malformed, $"its last GPU sample is {age:0}s old")),
                _ => results[i],
            };
        }

        var answeredNodes = new HashSet<string>(StringComparer.Ordinal);
        var devices = new Dictionary<string, DeviceFigures>(StringComparer.Ordinal);
        var transportFailures = 0;
        var unreachable = 0;
        for (var i = 0; i < targets.Count; i++)
        {
            var (node, name, _) = targets[i];
            var result = results[i];
            if (result.Failure is { } failure)
            {
                LogExporterFailed(logger, name, node, failure.Reason);
                transportFailures += failure.IsTransient ? 1 : 0;
                unreachable += failure.Kind == ScrapeFailureKind.Unreachable ? 1 : 0;
                missing.TryAdd(node, $"exporter {name}: {failure.Reason}");
                continue;
            }

            answeredNodes.Add(node);
            foreach (var device in result.Value!.Devices)
            {
                // The same device read twice (two exporter pods on a node during a rollout) counts once.
                devices.TryAdd(device.Pod is null ? device.Key : $"{device.Pod}|{device.Key}", device);
            }
        }

        foreach (var node in nodes)
        {
            if (answeredNodes.Contains(node))
            {
                missing.Remove(node);
            }
            else
            {
                missing.TryAdd(node, "no exporter pod on the node");
            }
        }

        var coverage = new Coverage(
            answeredNodes.Count,
            nodes.Count,
            [.. missing.Take(MissingShown).Select(m => $"node {m.Key}: {m.Value}")]);
        var now = time.GetUtcNow();
        if (answeredNodes.Count == 0)
        {
            var why = $"no GPU exporter answered for the {nodes.Count} node(s) of {workload}: {string.Join("; ", coverage.Missing)}";
            if (transportFailures > 0)
            {
                // Every target refused or unknown: the pods are out of reach, and that counts against their circuit.
                throw new SignalSourceException(ReadFailure.Connection, why, upstreamUnreachable: unreachable == transportFailures);
            }

            return Unavailable(why, coverage);
        }

        if (answeredNodes.Count < settings.MinNodeCoverage * nodes.Count)
        {
            return Unavailable($"only {answeredNodes.Count} of {nodes.Count} GPU nodes of {workload} answered: {string.Join("; ", coverage.Missing)}", coverage);
        }

        if (coverage.IsPartial)
        {
            LogPartialCoverage(logger, workload, coverage.Answered, coverage.Expected, coverage.Missing);
        }

        if (devices.Count == 0)
        {
            return Unavailable($"no GPU series attributed to pods of {workload}", coverage);
        }

        return query.Aggregate switch
        {
            GpuFleetAggregate.MeanUtilization => MeanUtilization(devices.Values, workload, now, coverage),
            GpuFleetAggregate.MaxMemoryUsed => MaxMemoryUsed(devices.Values, workload, now, coverage),
            GpuFleetAggregate.PodUtilization => PerPod(devices.Values, d => d.Utilization, mean: true, $"no GPU utilization for the pods of {workload} (MIG devices have no utilization in NVML)", now, coverage),
            GpuFleetAggregate.PodMemoryUsed => PerPod(devices.Values, d => d.UsedBytes, mean: false, $"no GPU memory series for the pods of {workload}", now, coverage),
            _ => Reading.Fresh(devices.Count, now, coverage),
        };
    }

    private static Reading MeanUtilization(IEnumerable<DeviceFigures> devices, string workload, DateTimeOffset now, Coverage coverage)
    {
        double sum = 0;
        var count = 0;
        var total = 0;
        foreach (var device in devices)
        {
            total++;
            if (!double.IsNaN(device.Utilization))
            {
                sum += device.Utilization;
                count++;
            }
        }

        return count == 0
            ? Unavailable($"no GPU utilization for {workload}: its {total} device(s) report none (MIG devices have no utilization in NVML)", coverage)
            : Reading.Fresh(sum / count / 100.0, now, coverage);
    }

    private static Reading MaxMemoryUsed(IEnumerable<DeviceFigures> devices, string workload, DateTimeOffset now, Coverage coverage)
    {
        var max = double.NaN;
        foreach (var device in devices)
        {
            if (device.TotalBytes > 0 && double.IsFinite(device.UsedBytes))
            {
                var used = device.UsedBytes / device.TotalBytes;
                max = double.IsNaN(max) ? used : Math.Max(max, used);
            }
        }

        return double.IsNaN(max)
            ? Unavailable($"no GPU memory series (used and total) for the devices of {workload}", coverage)
            : Reading.Fresh(max, now, coverage);
    }

    /// <summary>One value per pod from its devices' figures (mean or sum); a pod none of whose devices has the figure is left out.</summary>
    private static Reading PerPod(IEnumerable<DeviceFigures> devices, Func<DeviceFigures, double> figure, bool mean, string none, DateTimeOffset now, Coverage coverage)
    {
        var byPod = new SortedDictionary<string, (double Sum, int Count)>(StringComparer.Ordinal);
        foreach (var device in devices)
        {
            var value = figure(device);
            if (device.Pod is { } pod && double.IsFinite(value))
            {
                var (sum, count) = byPod.GetValueOrDefault(pod);
                byPod[pod] = (sum + value, count + 1);
            }
        }

        if (byPod.Count == 0)
        {
            return Unavailable(none, coverage);
        }

        var values = new PodValue[byPod.Count];
        var i = 0;
        double total = 0;
        foreach (var (pod, (sum, count)) in byPod)
        {
            var value = mean ? sum / count : sum;
            values[i++] = new PodValue(pod[(pod.IndexOf('/', StringComparison.Ordinal) + 1)..], value);
            total += value;
        }

        return Reading.Fresh(total / values.Length, now, coverage) with { PerPod = values };
    }

    private static Reading Unavailable(string reason, Coverage coverage) =>
        new(SignalStatus.Unavailable, double.NaN, null, reason, coverage);

    [LoggerMessage(EventId = 500, Level = LogLevel.Debug, Message = "GPU exporter {Exporter} on node {Node} did not answer usably: {Reason}")]
    private static partial void LogExporterFailed(ILogger logger, string exporter, string node, string reason);

    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "GPU fleet read of {Workload}: {Answered} of {Expected} nodes answered; missing: {Missing}")]
    private static partial void LogPartialCoverage(ILogger logger, string workload, int answered, int expected, IReadOnlyList<string> missing);
}
