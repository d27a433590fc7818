namespace Scaler.Simulation;

/// <summary>
/// One vLLM-like engine: a FCFS waiting queue, running sequences in admission order, a KV cache counted in
/// tokens, and engine steps run back to back while there is work. Each step follows vLLM's V1 scheduler:
/// running decodes first (one token each), then running prompt chunks, then new requests while the token
/// budget, the sequence cap and the KV cache allow; when the cache cannot hold the running sequences'
/// next tokens the newest running sequence is preempted and later recomputed from its prompt.
/// </summary>
internal sealed class VllmReplica
{
    private readonly VllmServerOptions _server;
    private readonly LinkedList<ActiveRequest> _waiting = new();
    private readonly List<ActiveRequest> _running = [];
    private readonly BusyMeter _busy;
    private readonly int _windowSeconds;

    public VllmReplica(int id, double readyAt, VllmServerOptions server)
    {
        Id = id;
        ReadyAt = readyAt;
        _server = server;
        _windowSeconds = Math.Max(1, (int)Math.Round(server.UtilizationWindow.TotalSeconds));
        _busy = new BusyMeter(_windowSeconds);
        NextStepAt = readyAt;
    }

    public int Id { get; }

    public double ReadyAt { get; }

    /// <summary>Removed from the Service's endpoints: takes no new requests, finishes what it holds.</summary>
    public bool Draining { get; set; }

    public int Waiting => _waiting.Count;

    public int Running => _running.Count;

    public int Outstanding => _waiting.Count + _running.Count;

    public int KvTokens { get; private set; }

    public long Preemptions { get; private set; }

    /// <summary>
    /// This replica's own work counters, as its server exposes them: the same increments the deployment adds to
    /// its totals (a first token: the prompt and one generated token; a finish: one request and the rest of its
    /// tokens; a step: each decoded token's inter-token latency).
    /// </summary>
    public WorkCounters Counters { get; private set; }

    /// <summary>When the next engine step may start (the current one ends then).</summary>
    public double NextStepAt { get; private set; }

    public bool IsReady(double now) => ReadyAt <= now + 1e-9;

    /// <summary>Whether a gateway may hand it another request now: nothing already waits for admission.</summary>
    public bool HasRoom => _waiting.Count == 0 && _running.Count < _server.MaxNumSeqs;

    public void Enqueue(ActiveRequest request) => _waiting.AddLast(request);

    public double Utilization(double now) => _busy.Utilization(now, ReadyAt, _windowSeconds);

    public double KvCacheUsage => KvTokens / (double)_server.KvCacheTokens;

    /// <summary>Runs engine steps that start before <paramref name="until"/>; a step may end after it.</summary>
    public void Advance(double from, double until, Action<ActiveRequest> firstToken, Action<ActiveRequest> finished, Action<int, double> stepped)
    {
        if (NextStepAt < from)
        {
            // Idle until now: the next step starts with the work that arrived.
            NextStepAt = from;
        }

        while (NextStepAt < until - 1e-9 && Outstanding > 0)
        {
            var start = NextStepAt;
            var end = start + RunStep(out var prefilled, out var decoded);
            _busy.Add(start, end);
            var decodedTokens = decoded.Count(r => r.PrefillLeft <= 0);
            Counters += new WorkCounters(0, 0, 0) { InterTokenSeconds = decodedTokens * (end - start), InterTokenCount = decodedTokens };
            stepped(decodedTokens, end - start);
            Complete(end, prefilled, decoded, firstToken, finished);
            NextStepAt = end;
        }
    }

    // Schedules one step and returns its length; prefilled: sequences whose prompt finished in it;
    // decoded: sequences that generated a token in it.
    private double RunStep(out List<ActiveRequest> prefilled, out List<ActiveRequest> decoded)
    {
        prefilled = [];
        decoded = [];
        var budget = _server.MaxBatchedTokens;
        var tokens = 0;

        // 1. Decodes: every running sequence past its prompt writes one more KV token.
        var decoding = CountDecoding();
        while (decoding > 0 && KvTokens + decoding > _server.KvCacheTokens)
        {
            Preempt();
            decoding = CountDecoding();
        }

        foreach (var request in _running)
        {
            if (request.PrefillLeft <= 0)
            {
                request.KvTokens++;
                decoded.Add(request);
            }
        }

        KvTokens += decoding;
        tokens += decoding;
        budget -= decoding;

        // 2. Running prompts, oldest first; a newer running sequence gives way when the cache is short.
        for (var i = 0; i < _running.Count && budget > 0; i++)
        {
            var request = _running[i];
            if (request.PrefillLeft <= 0)
            {
                continue;
            }

            var wanted = (int)Math.Min(request.PrefillLeft, budget);
            while (KvTokens + wanted > _server.KvCacheTokens && _running[^1] != request)
            {
                Preempt();
            }

            var chunk = Math.Min(wanted, _server.KvCacheTokens - KvTokens);
            if (chunk <= 0)
            {
                break;
            }

            Schedule(request, chunk, prefilled);
            tokens += chunk;
            budget -= chunk;
        }

        // 3. Waiting requests, first come first served, while budget, sequence cap and cache allow.
        while (budget > 0 && _running.Count < _server.MaxNumSeqs && _waiting.First is { } first)
        {
            var request = first.Value;
            var chunk = (int)Math.Min(request.PrefillLeft, budget);
            if (KvTokens + chunk > _server.KvCacheTokens)
            {
                break;
            }

            _waiting.RemoveFirst();
            _running.Add(request);
            Schedule(request, chunk, prefilled);
            tokens += chunk;
            budget -= chunk;
        }

        return _server.StepSeconds(tokens, KvTokens);
    }

    private void Schedule(ActiveRequest request, int chunk, List<ActiveRequest> prefilled)
    {
        request.PrefillLeft -= chunk;
        request.KvTokens += chunk;
        KvTokens += chunk;
        if (request.PrefillLeft <= 0)
        {
            prefilled.Add(request);
        }
    }

    // At the step's end: finished prompts sample their first token, decodes their next one.
    private void Complete(double end, List<ActiveRequest> prefilled, List<ActiveRequest> decoded, Action<ActiveRequest> firstToken, Action<ActiveRequest> finished)
    {
        foreach (var request in decoded)
        {
            // A sequence preempted later in the same step lost this token with the rest of its cache.
            if (request.PrefillLeft <= 0)
            {
                request.DecodeLeft--;
            }
        }

        foreach (var request in prefilled)
        {
            if (!request.HasFirstToken)
            {
                request.FirstTokenAt = end;
                Counters += new WorkCounters(0, request.PromptTokens, 1);
                firstToken(request);
            }
        }

        for (var i = _running.Count - 1; i >= 0; i--)
        {
            var request = _running[i];
            if (request.PrefillLeft <= 0 && request.DecodeLeft <= 0)
            {
                KvTokens -= request.KvTokens;
                request.KvTokens = 0;
                _running.RemoveAt(i);
                Counters += new WorkCounters(1, 0, request.OutputTokens - 1);
                finished(request);
            }
        }
    }

    // vLLM V1 preempts the newest running sequence; it recomputes everything it held when readmitted.
    private void Preempt()
    {
        var victim = _running[^1];
        _running.RemoveAt(_running.Count - 1);
        KvTokens -= victim.KvTokens;
        victim.PrefillLeft = victim.HasFirstToken ? victim.KvTokens : victim.PromptTokens;
        victim.KvTokens = 0;
        _waiting.AddFirst(victim);
        Preemptions++;
    }

    private int CountDecoding()
    {
        var count = 0;
        foreach (var request in _running)
        {
            if (request.PrefillLeft <= 0)
            {
                count++;
            }
        }

        return count;
    }
}
