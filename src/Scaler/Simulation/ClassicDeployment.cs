using System.Globalization;

namespace Scaler.Simulation;

/// <summary>
/// The first server model (<see cref="ServerModel.Classic"/>): identical replicas behind one gateway queue, stepped in fixed virtual-time ticks.
/// A replica runs up to <see cref="ClassicServerOptions.MaxConcurrency"/> requests: prompts are processed first
/// come first served at the prefill rate, then every stream decodes at its own rate in parallel
/// (continuous batching). A replica is "busy" (GPU duty cycle) whenever it runs at least one request, so
/// one short stream keeps utilization at 100% while using a fraction of the replica: the saturation that
/// makes GPU utilization a weak demand signal.
/// </summary>
internal sealed class ClassicDeployment : IDeployment
{
    private readonly ClassicServerOptions _options;
    private readonly TimeSpan _startupDelay;
    private readonly double _tick;
    private readonly int _ticksPerSecond;
    private readonly int _windowSeconds;
    private readonly Queue<ActiveRequest> _gateway = new();
    private readonly List<Replica> _replicas = [];
    private int _nextReplicaId;
    private int _inFlight;
    private WorkCounters _counters;

    public ClassicDeployment(DeploymentOptions options, double tickSeconds)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Classic;
        _startupDelay = options.StartupDelay;
        _tick = tickSeconds;
        _ticksPerSecond = (int)Math.Round(1 / tickSeconds);
        _windowSeconds = Math.Max(1, (int)Math.Round(_options.UtilizationWindow.TotalSeconds));
        for (var i = 0; i < options.InitialReplicas; i++)
        {
            _replicas.Add(new Replica(_nextReplicaId++, readyAt: 0, _windowSeconds));
        }
    }

    /// <summary>Replicas that exist (starting, ready or draining): what is paid for.</summary>
    public int Existing => _replicas.Count;

    public int Outstanding => _gateway.Count + _inFlight;

    /// <summary>Requests whose first token came; the waits are recorded on them.</summary>
    public event Action<ActiveRequest>? FirstToken;

    public void Enqueue(ActiveRequest request, double now) => _gateway.Enqueue(request);

    public ClusterObservation Observe(double now)
    {
        int current = 0, ready = 0, slots = 0;
        double utilization = 0;
        foreach (var replica in _replicas)
        {
            if (replica.Draining)
            {
                continue;
            }

            current++;
            if (replica.ReadyAt <= now)
            {
                ready++;
                slots += replica.Running.Count;
                utilization += replica.Utilization(now, _ticksPerSecond);
            }
        }

        return new ClusterObservation(current, ready, _gateway.Count, Outstanding, ready > 0 ? utilization / ready : null)
        {
            KvCacheUsage = ready > 0 ? slots / (double)(ready * _options.MaxConcurrency) : null,
            Counters = _counters,
        };
    }

    /// <summary>
    /// Sets the replica count. New replicas become ready after the start-up delay. Removal takes starting
    /// replicas first (newest first), then the least busy ready ones, which stop taking requests and finish
    /// what they run (graceful drain; paid until drained).
    /// </summary>
    public void Scale(int desired, double now)
    {
        var active = _replicas.Where(r => !r.Draining).ToList();
        for (var i = active.Count; i < desired; i++)
        {
            _replicas.Add(new Replica(_nextReplicaId++, now + _startupDelay.TotalSeconds, _windowSeconds));
        }

        var victims = active
            .OrderBy(r => r.ReadyAt <= now ? 1 : 0)
            .ThenByDescending(r => r.ReadyAt <= now ? 0 : r.Id)
            .ThenBy(r => r.Running.Count)
            .Take(Math.Max(0, active.Count - desired));
        foreach (var replica in victims)
        {
            replica.Draining = true;
        }

        _replicas.RemoveAll(r => r.Draining && r.Running.Count == 0);
    }

    /// <summary>Advances the tick [now, now + tick): dispatch, prefill, decode, completion.</summary>
    public void Step(double now)
    {
        Dispatch(now);
        var prefillBudget = _options.PrefillTokensPerSecond * _tick;
        var decodeStep = _options.DecodeTokensPerSecond * _tick;
        foreach (var replica in _replicas)
        {
            replica.RecordBusy(now, _ticksPerSecond, replica.Running.Count > 0);
            var budget = prefillBudget;
            for (var i = 0; i < replica.Running.Count; i++)
            {
                var request = replica.Running[i];
                if (request.PrefillLeft > 0)
                {
                    if (budget <= 0)
                    {
                        continue;
                    }

                    var used = Math.Min(budget, request.PrefillLeft);
                    request.PrefillLeft -= used;
                    budget -= used;
                    if (request.PrefillLeft <= 0)
                    {
                        request.FirstTokenAt = now + ((prefillBudget - budget) / _options.PrefillTokensPerSecond);
                        _counters += new WorkCounters(0, request.PromptTokens, 1);
                        FirstToken?.Invoke(request);
                    }
                }
                else
                {
                    request.DecodeLeft -= decodeStep;
                }
            }

            foreach (var request in replica.Running)
            {
                if (request.PrefillLeft <= 0 && request.DecodeLeft <= 0)
                {
                    _counters += new WorkCounters(1, 0, request.OutputTokens - 1);
                }
            }

            _inFlight -= replica.Running.RemoveAll(r => r.PrefillLeft <= 0 && r.DecodeLeft <= 0);
        }

        _replicas.RemoveAll(r => r.Draining && r.Running.Count == 0);
    }

    private void Dispatch(double now)
    {
        while (_gateway.Count > 0)
        {
            Replica? target = null;
            foreach (var replica in _replicas)
            {
                if (!replica.Draining && replica.ReadyAt <= now && replica.Running.Count < _options.MaxConcurrency &&
                    (target is null || replica.Running.Count < target.Running.Count))
                {
                    target = replica;
                }
            }

            if (target is null)
            {
                return;
            }

            target.Running.Add(_gateway.Dequeue());
            _inFlight++;
        }
    }

    private sealed class Replica(int id, double readyAt, int windowSeconds)
    {
        // Busy ticks per whole second, a ring over the utilization window.
        private readonly int[] _busy = new int[windowSeconds + 1];
        private long _second = -1;

        public int Id { get; } = id;

        public double ReadyAt { get; } = readyAt;

        public bool Draining { get; set; }

        public List<ActiveRequest> Running { get; } = [];

        public void RecordBusy(double now, int ticksPerSecond, bool busy)
        {
            var second = (long)Math.Floor(now + 1e-9);
            if (second != _second)
            {
                for (var s = Math.Max(_second + 1, second - _busy.Length + 1); s <= second; s++)
                {
                    _busy[s % _busy.Length] = 0;
                }

                _second = second;
            }

            if (busy)
            {
                _busy[second % _busy.Length]++;
            }
        }

        // Busy fraction over the complete seconds of the window since the replica became ready.
        public double Utilization(double now, int ticksPerSecond)
        {
            var end = (long)Math.Floor(now + 1e-9);
            var start = Math.Max((long)Math.Ceiling(ReadyAt - 1e-9), end - (_busy.Length - 1));
            if (end <= start || _second < 0)
            {
                return 0;
            }

            long busy = 0;
            for (var s = start; s < end; s++)
            {
                busy += s <= _second && s > _second - _busy.Length ? _busy[s % _busy.Length] : 0;
            }

            return busy / (double)((end - start) * ticksPerSecond);
        }
    }
}
