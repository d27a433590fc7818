using System.Globalization;
using System.Net;
using Scaler.Simulation;

namespace Scaler.Demo;

/// <summary>
/// The simulated deployment the demo scales: the simulator's vLLM-like replicas (<see cref="VllmDeployment"/>)
/// behind a Service, fed by the built-in trace generator in demo time (one load after another, each with the
/// next seed), each replica a pod with its own loopback address on a GPU of a simulated node. Everything a
/// cluster would show of it (pods, each pod's metrics, each node's GPU exporter) is read here under one lock
/// while <see cref="AdvanceTo"/> steps it.
/// </summary>
internal sealed class DemoDeployment
{
    /// <summary>GPUs per simulated node.</summary>
    public const int GpusPerNode = 4;

    private const double Tick = Simulator.TickSeconds;

    // Catching up after a pause never steps more than this much demo time in one call.
    private const double MaxCatchUpSeconds = 600;

    private readonly Lock _lock = new();
    private readonly VllmDeployment _deployment;
    private readonly DemoOptions _options;
    private readonly DateTimeOffset _epoch;
    private readonly Dictionary<int, DemoPod> _pods = [];
    private readonly Dictionary<string, int> _gpuHolders = new(StringComparer.Ordinal);
    private readonly Queue<IPAddress> _freeAddresses;
    private readonly Queue<(double At, double Wait)> _recentWaits = new();
    private Trace _trace;
    private int _traceSeed;
    private double _traceOffset;
    private int _next;
    private long _tick;
    private long _arrivals;
    private long _late;

    /// <param name="options">The demo's options.</param>
    /// <param name="epoch">Demo time zero.</param>
    /// <param name="network">The second octet of every address: pods on 127.n.0.2 and up, exporters on 127.n.1.1 and up.</param>
    public DemoDeployment(DemoOptions options, DateTimeOffset epoch, byte network = 0)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _epoch = epoch;
        _deployment = new VllmDeployment(new DeploymentOptions { StartupDelay = options.Startup, InitialReplicas = 1 }, Tick);
        _deployment.FirstToken += request =>
        {
            _recentWaits.Enqueue((request.FirstTokenAt, request.Wait));
            _late += request.Wait > Slo ? 1 : 0;
        };

        // Room for a full deployment and as many draining pods again.
        var slots = options.MaxReplicas * 2;
        Nodes = [.. Enumerable.Range(1, (slots + GpusPerNode - 1) / GpusPerNode).Select(n => new GpuNode(
            string.Create(CultureInfo.InvariantCulture, $"gpu-node-{n}"),
            new IPAddress([127, network, 1, (byte)n]),
            [.. Enumerable.Range(0, GpusPerNode).Select(g => string.Create(CultureInfo.InvariantCulture, $"GPU-{n:x8}-{g:x4}-4d2a-8c1e-00000000{n:x2}{g:x2}"))]))];
        PodAddresses = [.. Enumerable.Range(2, slots).Select(i => new IPAddress([127, network, 0, (byte)i]))];
        _freeAddresses = new Queue<IPAddress>(PodAddresses);
        _traceSeed = options.Seed;
        _trace = TraceGenerator.Generate(options.Shape, _traceSeed, options.Duration);
        Assign();
    }

    /// <summary>The time-to-first-token objective the demo reports against (the ScaledObject's).</summary>
    public static double Slo => 2;

    public IReadOnlyList<GpuNode> Nodes { get; }

    /// <summary>Demo time zero: when the deployment started.</summary>
    public DateTimeOffset Epoch => _epoch;

    /// <summary>Every address a pod may get: the demo's network listens on all of them.</summary>
    public IReadOnlyList<IPAddress> PodAddresses { get; }

    /// <summary>Runs the deployment up to <paramref name="now"/>: arrivals enqueued, engine steps run, pods placed.</summary>
    public void AdvanceTo(DateTimeOffset now)
    {
        var until = Math.Min((now - _epoch).TotalSeconds, Seconds + MaxCatchUpSeconds);
        lock (_lock)
        {
            while ((_tick * Tick) < until)
            {
                var t = _tick * Tick;
                Arrive(t);
                _deployment.Step(t);
                _tick++;
            }

            Assign();
            while (_recentWaits.Count > 0 && _recentWaits.Peek().At < Seconds - 60)
            {
                _recentWaits.Dequeue();
            }
        }
    }

    /// <summary>Sets the replica count, as the HPA writes the Deployment's <c>spec.replicas</c>.</summary>
    public void Scale(int replicas)
    {
        lock (_lock)
        {
            _deployment.Scale(Math.Max(0, replicas), Seconds);
            Assign();
        }
    }

    /// <summary>Replicas asked for (starting or ready; draining pods excluded) and ready ones.</summary>
    public (int Current, int Ready) Counts()
    {
        lock (_lock)
        {
            var observed = _deployment.Observe(Seconds);
            return (observed.Current, observed.Ready);
        }
    }

    /// <summary>The pods a Kubernetes API would list: every replica not draining.</summary>
    public IReadOnlyList<DemoPod> Pods()
    {
        lock (_lock)
        {
            return [.. _deployment.Replicas.Where(r => !r.Draining).Select(r => _pods[r.Id] with { Ready = r.IsReady(Seconds) && _pods[r.Id].Address is not null })];
        }
    }

    /// <summary>The <c>/metrics</c> of the pod at <paramref name="address"/>; null when no serving pod has it (a starting server does not answer).</summary>
    public string? PodMetrics(IPAddress address)
    {
        lock (_lock)
        {
            foreach (var replica in _deployment.Replicas)
            {
                if (_pods[replica.Id].Address?.Equals(address) == true)
                {
                    return replica.IsReady(Seconds) ? VllmMetricsText.Render(replica) : null;
                }
            }

            return null;
        }
    }

    /// <summary>The GPU exporter's <c>/metrics</c> of the node whose exporter has <paramref name="address"/>; null when none.</summary>
    public string? ExporterMetrics(IPAddress address)
    {
        lock (_lock)
        {
            var node = Nodes.FirstOrDefault(n => n.ExporterAddress.Equals(address));
            if (node is null)
            {
                return null;
            }

            var now = Seconds;
            var gpus = node.GpuUuids.Select((uuid, index) =>
            {
                var replica = _gpuHolders.TryGetValue(uuid, out var id) ? _deployment.Replicas.FirstOrDefault(r => r.Id == id) : null;
                if (replica is null)
                {
                    return new GpuExporterText.Gpu(uuid, index, 0, 0, null);
                }

                // vLLM takes 90% of the memory once its engine is up; while it loads, the weights so far.
                var ready = replica.IsReady(now);
                var used = ready ? (long)(GpuExporterText.MemoryTotalBytes * 0.9) : 16L * 1024 * 1024 * 1024;
                return new GpuExporterText.Gpu(uuid, index, ready ? replica.Utilization(now) * 100 : 0, used, (DemoScaledObject.Namespace, _pods[replica.Id].Name));
            }).ToList();

            // The exporter samples every second.
            return GpuExporterText.Render(node.Name, gpus, sampleAgeSeconds: now - Math.Floor(now));
        }
    }

    /// <summary>What the deployment did lately, for the console.</summary>
    public string Status()
    {
        lock (_lock)
        {
            var observed = _deployment.Observe(Seconds);
            var waits = _recentWaits.Select(w => w.Wait).Order().ToList();
            var p99 = waits.Count == 0 ? "–" : string.Create(CultureInfo.InvariantCulture, $"{waits[Math.Min(waits.Count - 1, (int)Math.Ceiling(0.99 * waits.Count) - 1)]:0.00} s");
            return string.Create(CultureInfo.InvariantCulture,
                $"demo {TimeSpan.FromSeconds(Math.Floor(Seconds)):hh\\:mm\\:ss}: {waits.Count / 60.0:0.0} req/s over the last minute, replicas {observed.Current} ({observed.Ready} ready), {observed.Waiting} waiting, p99 time to first token {p99}; {_late} of {_arrivals} requests over {Slo:0} s so far");
        }
    }

    private double Seconds => _tick * Tick;

    // Arrivals up to t; when a load ends the next one starts, with the next seed.
    private void Arrive(double t)
    {
        while (true)
        {
            if (_next >= _trace.Requests.Length)
            {
                _traceOffset += _options.Duration.TotalSeconds;
                _trace = TraceGenerator.Generate(_options.Shape, ++_traceSeed, _options.Duration);
                _next = 0;
                if (_trace.Requests.IsDefaultOrEmpty)
                {
                    return;
                }
            }

            var request = _trace.Requests[_next];
            if (_traceOffset + request.ArrivalSeconds > t + 1e-9)
            {
                return;
            }

            _deployment.Enqueue(new ActiveRequest(request with { ArrivalSeconds = _traceOffset + request.ArrivalSeconds }), t);
            _next++;
            _arrivals++;
        }
    }

    // New replicas become pods (a name, then a GPU and an address when free); gone replicas free theirs.
    private void Assign()
    {
        var present = _deployment.Replicas.Select(r => r.Id).ToHashSet();
        foreach (var gone in _pods.Keys.Where(id => !present.Contains(id)).ToList())
        {
            var pod = _pods[gone];
            if (pod.Address is { } address)
            {
                _freeAddresses.Enqueue(address);
            }

            if (pod.GpuUuid is { } gpu)
            {
                _gpuHolders.Remove(gpu);
            }

            _pods.Remove(gone);
        }

        foreach (var replica in _deployment.Replicas)
        {
            var pod = _pods.GetValueOrDefault(replica.Id) ?? new DemoPod(PodName(replica.Id), null, null, null, false);
            if (pod.GpuUuid is null && FreeGpu() is { } free)
            {
                _gpuHolders[free.Gpu] = replica.Id;
                pod = pod with { Node = free.Node.Name, GpuUuid = free.Gpu };
            }

            if (pod.Address is null && pod.GpuUuid is not null && _freeAddresses.TryDequeue(out var address))
            {
                pod = pod with { Address = address };
            }

            _pods[replica.Id] = pod;
        }
    }

    private (GpuNode Node, string Gpu)? FreeGpu()
    {
        foreach (var node in Nodes)
        {
            foreach (var gpu in node.GpuUuids)
            {
                if (!_gpuHolders.ContainsKey(gpu))
                {
                    return (node, gpu);
                }
            }
        }

        return null;
    }

    // ReplicaSet-style: the template hash, then five characters from the alphabet Kubernetes uses for names.
    private static string PodName(int id)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var value = (uint)((id * 7919) + 104729);
        var suffix = new char[5];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = alphabet[(int)(value % (uint)alphabet.Length)];
            value /= (uint)alphabet.Length;
        }

        return $"{DemoScaledObject.Target}-6d5f7c9b8-{new string(suffix)}";
    }
}
