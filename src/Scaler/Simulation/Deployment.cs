using System.Globalization;

namespace Scaler.Simulation;

/// <summary>The model of one inference deployment. Every default is an assumption stated in docs/simulator.md.</summary>
internal sealed record DeploymentOptions
{
    /// <summary>From replica creation to ready (image cached, model load and engine init). Default 60 s.</summary>
    public TimeSpan StartupDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Prompt (prefill) tokens per second one replica processes, first come first served. Default 8,000.</summary>
    public double PrefillTokensPerSecond { get; init; } = 8000;

    /// <summary>Generated tokens per second of one request stream; streams decode in parallel (continuous batching). Default 40.</summary>
    public double DecodeTokensPerSecond { get; init; } = 40;

    /// <summary>Requests one replica runs at once; more wait at the gateway. Default 16.</summary>
    public int MaxConcurrency { get; init; } = 16;

    /// <summary>Window over which GPU utilization (busy fraction) is averaged, like a DCGM sample. Default 30 s.</summary>
    public TimeSpan UtilizationWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Ready replicas at time 0. Default 1.</summary>
    public int InitialReplicas { get; init; } = 1;

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"start-up {StartupDelay.TotalSeconds:0.#} s, {PrefillTokensPerSecond:0} prefill tokens/s, {DecodeTokensPerSecond:0.#} tokens/s per stream, {MaxConcurrency} concurrent per replica");
}

/// <summary>What a scaling loop can observe of the deployment at one instant.</summary>
/// <param name="Current">Replicas asked for (starting or ready; draining ones excluded).</param>
/// <param name="Ready">Of those, replicas that serve.</param>
/// <param name="Waiting">Requests waiting at the gateway for a free slot (queue depth).</param>
/// <param name="Outstanding">Requests accepted and not finished: waiting plus in flight (pending requests).</param>
/// <param name="GpuUtilization">Mean busy fraction of ready replicas over the utilization window; null without ready replicas.</param>
internal readonly record struct ClusterObservation(int Current, int Ready, int Waiting, int Outstanding, double? GpuUtilization);

/// <summary>
/// A deployment of identical GPU replicas behind one gateway queue, stepped in fixed virtual-time ticks.
/// A replica runs up to <see cref="DeploymentOptions.MaxConcurrency"/> requests: prompts are processed first
/// come first served at the prefill rate, then every stream decodes at its own rate in parallel
/// (continuous batching). A replica is "busy" (GPU duty cycle) whenever it runs at least one request, so
/// one short stream keeps utilization at 100% while using a fraction of the replica: the saturation that
/// makes GPU utilization a weak demand signal.
/// </summary>
internal sealed class Deployment
{
    private readonly DeploymentOptions _options;
    private readonly double _tick;
    private readonly int _ticksPerSecond;
    private readonly int _windowSeconds;
    private readonly Queue<ActiveRequest> _gateway = new();
    private readonly List<Replica> _replicas = [];
    private int _nextReplicaId;
    private int _inFlight;

    public Deployment(DeploymentOptions options, double tickSeconds)
    {
        _options = options;
        _tick = tickSeconds;
        _ticksPerSecond = (int)Math.Round(1 / tickSeconds);
        _windowSeconds = Math.Max(1, (int)Math.Round(options.UtilizationWindow.TotalSeconds));
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

    public void Enqueue(ActiveRequest request) => _gateway.Enqueue(request);

    public ClusterObservation Observe(double now)
    {
        int current = 0, ready = 0;
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
                utilization += replica.Utilization(now, _ticksPerSecond);
            }
        }

        return new ClusterObservation(current, ready, _gateway.Count, Outstanding, ready > 0 ? utilization / ready : null);
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
            _replicas.Add(new Replica(_nextReplicaId++, now + _options.StartupDelay.TotalSeconds, _windowSeconds));
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
                        FirstToken?.Invoke(request);
                    }
                }
                else
                {
                    request.DecodeLeft -= decodeStep;
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

/// <summary>A request inside the simulation.</summary>
internal sealed class ActiveRequest(TraceRequest request)
{
    public double ArrivalSeconds { get; } = request.ArrivalSeconds;

    public double PrefillLeft { get; set; } = Math.Max(1, request.ContextTokens);

    public double DecodeLeft { get; set; } = Math.Max(0, request.GeneratedTokens - 1);

    public double FirstTokenAt { get; set; } = double.NaN;

    public double Wait => FirstTokenAt - ArrivalSeconds;
}
