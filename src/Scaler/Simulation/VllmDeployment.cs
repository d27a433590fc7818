namespace Scaler.Simulation;

/// <summary>
/// A deployment of vLLM-like replicas (<see cref="VllmReplica"/>). Requests reach a replica as
/// <see cref="DeploymentOptions.Routing"/> says; while no replica is ready they wait at the entry (as an
/// HTTP interceptor or gateway holds them) and go out when the first one is. Scale-down follows a
/// ReplicaSet: replicas not yet ready go first (newest first), then the most recently ready; a removed
/// replica serves what it already holds and is paid until then.
/// </summary>
internal sealed class VllmDeployment : IDeployment
{
    private readonly DeploymentOptions _options;
    private readonly double _tick;
    private readonly Queue<ActiveRequest> _entry = new();
    private readonly List<VllmReplica> _replicas = [];

    // kube-proxy picks endpoints at random; a fixed seed keeps every run repeatable.
    private readonly Random _random = new(7);
    private readonly Action<ActiveRequest> _onFirstToken;
    private readonly Action<ActiveRequest> _onFinished;
    private readonly Action<int, double> _onStep;
    private int _nextReplicaId;
    private int _outstanding;
    private WorkCounters _counters;

    public VllmDeployment(DeploymentOptions options, double tickSeconds)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _tick = tickSeconds;
        for (var i = 0; i < options.InitialReplicas; i++)
        {
            _replicas.Add(new VllmReplica(_nextReplicaId++, 0, options.Vllm));
        }

        _onFirstToken = request =>
        {
            _counters += new WorkCounters(0, request.PromptTokens, 1);
            FirstToken?.Invoke(request);
        };
        _onFinished = request =>
        {
            _outstanding--;
            _counters += new WorkCounters(1, 0, request.OutputTokens - 1);
        };

        // Each decoded token's inter-token latency is the step that produced it.
        _onStep = (decoded, seconds) => _counters += new WorkCounters(0, 0, 0) { InterTokenSeconds = decoded * seconds, InterTokenCount = decoded };
    }

    public int Existing => _replicas.Count;

    public int Outstanding => _outstanding;

    /// <summary>Sequences preempted for lack of KV cache, over every replica still present.</summary>
    public long Preemptions => _replicas.Sum(r => r.Preemptions);

    public event Action<ActiveRequest>? FirstToken;

    /// <summary>The replicas that exist (starting, ready or draining), oldest first: what a cluster would list as pods.</summary>
    public IReadOnlyList<VllmReplica> Replicas => _replicas;

    /// <summary>Requests held at the entry while no replica takes them (a gateway's queue; in no pod).</summary>
    public int HeldAtEntry => _entry.Count;

    public void Enqueue(ActiveRequest request, double now)
    {
        _outstanding++;
        if (_options.Routing == Routing.Gateway || !TryRoute(request, now))
        {
            _entry.Enqueue(request);
        }
    }

    public ClusterObservation Observe(double now)
    {
        int current = 0, ready = 0, waiting = _entry.Count;
        double utilization = 0, kv = 0;
        foreach (var replica in _replicas)
        {
            waiting += replica.Waiting;
            if (replica.Draining)
            {
                continue;
            }

            current++;
            if (replica.IsReady(now))
            {
                ready++;
                utilization += replica.Utilization(now);
                kv += replica.KvCacheUsage;
            }
        }

        return new ClusterObservation(current, ready, waiting, _outstanding, ready > 0 ? utilization / ready : null)
        {
            KvCacheUsage = ready > 0 ? kv / ready : null,
            Counters = _counters,
        };
    }

    public void Scale(int desired, double now)
    {
        var active = _replicas.Where(r => !r.Draining).ToList();
        for (var i = active.Count; i < desired; i++)
        {
            _replicas.Add(new VllmReplica(_nextReplicaId++, now + _options.StartupDelay.TotalSeconds, _options.Vllm));
        }

        // ReplicaSet order: not ready before ready; among ready, the shortest time ready (newest) first.
        var victims = active
            .OrderBy(r => r.IsReady(now) ? 1 : 0)
            .ThenByDescending(r => r.ReadyAt)
            .ThenByDescending(r => r.Id)
            .Take(Math.Max(0, active.Count - desired));
        foreach (var replica in victims)
        {
            replica.Draining = true;
        }

        _replicas.RemoveAll(r => r.Draining && r.Outstanding == 0);
    }

    public void Step(double now)
    {
        Dispatch(now);
        foreach (var replica in _replicas)
        {
            if (replica.IsReady(now + _tick))
            {
                replica.Advance(Math.Max(now, replica.ReadyAt), now + _tick, _onFirstToken, _onFinished, _onStep);
            }
        }

        _replicas.RemoveAll(r => r.Draining && r.Outstanding == 0);
    }

    // Requests held at the entry go out as replicas are ready (a gateway only to replicas with room).
    private void Dispatch(double now)
    {
        while (_entry.Count > 0)
        {
            if (_options.Routing == Routing.Gateway)
            {
                var target = LeastLoaded(now, requireRoom: true);
                if (target is null)
                {
                    return;
                }

                target.Enqueue(_entry.Dequeue());
            }
            else if (!TryRoute(_entry.Peek(), now))
            {
                return;
            }
            else
            {
                _entry.Dequeue();
            }
        }
    }

    private bool TryRoute(ActiveRequest request, double now)
    {
        var target = _options.Routing == Routing.LeastLoaded ? LeastLoaded(now, requireRoom: false) : RandomReady(now);
        target?.Enqueue(request);
        return target is not null;
    }

    private VllmReplica? RandomReady(double now)
    {
        var count = 0;
        foreach (var replica in _replicas)
        {
            count += Serves(replica, now) ? 1 : 0;
        }

        if (count == 0)
        {
            return null;
        }

        var pick = _random.Next(count);
        foreach (var replica in _replicas)
        {
            if (Serves(replica, now) && pick-- == 0)
            {
                return replica;
            }
        }

        return null;
    }

    private VllmReplica? LeastLoaded(double now, bool requireRoom)
    {
        VllmReplica? best = null;
        foreach (var replica in _replicas)
        {
            if (Serves(replica, now) && (!requireRoom || replica.HasRoom) && (best is null || replica.Outstanding < best.Outstanding))
            {
                best = replica;
            }
        }

        return best;
    }

    private static bool Serves(VllmReplica replica, double now) => !replica.Draining && replica.IsReady(now);
}
