namespace Scaler.Simulation;

/// <summary>
/// Lower bounds for the classic model: a replica prefills one prompt at a time at its rate, and a request
/// holds one of its slots for at least its prefill plus its decode.
/// </summary>
internal sealed class ClassicCosts(ClassicServerOptions server) : IServerCosts
{
    public double PrefillSeconds(TraceRequest request) => Math.Max(1, request.ContextTokens) / server.PrefillTokensPerSecond;

    public double MinimumReplicaSeconds(IReadOnlyList<TraceRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        double prefill = 0, slots = 0;
        foreach (var request in requests)
        {
            var p = PrefillSeconds(request);
            prefill += p;
            slots += p + (Math.Max(0, request.GeneratedTokens - 1) / server.DecodeTokensPerSecond);
        }

        return Math.Max(prefill, slots / server.MaxConcurrency);
    }

    public string? CannotHold(TraceRequest request) => null;
}
