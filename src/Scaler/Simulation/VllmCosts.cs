using System.Globalization;

namespace Scaler.Simulation;

/// <summary>
/// Lower bounds for the vLLM-like model. A step costs overhead + tokens × compute + held KV × read, so:
/// every prompt and generated token pays its compute; every decode of request i reads at least its
/// prompt; and the step count is at least both the decode tokens over <c>max_num_seqs</c> and the KV
/// tokens decoded over the cache size (the sequences of one step fit in the cache together).
/// </summary>
internal sealed class VllmCosts(VllmServerOptions server) : IServerCosts
{
    public double PrefillSeconds(TraceRequest request) => Math.Max(1, request.ContextTokens) * server.SecondsPerToken;

    public double MinimumReplicaSeconds(IReadOnlyList<TraceRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        double compute = 0, decodes = 0, promptReads = 0;
        foreach (var request in requests)
        {
            double prompt = Math.Max(1, request.ContextTokens);
            double later = Math.Max(0, request.GeneratedTokens - 1);
            compute += prompt + later;
            decodes += later;

            // Each later token is one step of this sequence holding (and reading) at least its prompt.
            promptReads += prompt * later;
        }

        var steps = Math.Max(decodes / server.MaxNumSeqs, promptReads / server.KvCacheTokens);
        return (compute * server.SecondsPerToken) + (promptReads * server.SecondsPerContextToken) + (steps * server.StepOverhead.TotalSeconds);
    }

    public string? CannotHold(TraceRequest request)
    {
        var tokens = Math.Max(1, request.ContextTokens) + Math.Max(1, request.GeneratedTokens);
        return tokens <= server.KvCacheTokens ? null : string.Create(CultureInfo.InvariantCulture,
            $"a request of {request.ContextTokens:N0} prompt and {request.GeneratedTokens:N0} output tokens does not fit a KV cache of {server.KvCacheTokens:N0} tokens");
    }
}
