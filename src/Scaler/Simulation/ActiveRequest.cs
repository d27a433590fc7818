namespace Scaler.Simulation;

/// <summary>A request inside the simulation: what is left of it, and when its first token came.</summary>
internal sealed class ActiveRequest(TraceRequest request)
{
    public double ArrivalSeconds { get; } = request.ArrivalSeconds;

    /// <summary>Prompt tokens as the trace gives them (at least 1).</summary>
    public int PromptTokens { get; } = Math.Max(1, request.ContextTokens);

    /// <summary>Tokens to generate, the first one included (at least 1).</summary>
    public int OutputTokens { get; } = Math.Max(1, request.GeneratedTokens);

    /// <summary>Tokens still to prefill (a preempted request recomputes what it held).</summary>
    public double PrefillLeft { get; set; } = Math.Max(1, request.ContextTokens);

    /// <summary>Tokens still to generate after the first.</summary>
    public double DecodeLeft { get; set; } = Math.Max(0, request.GeneratedTokens - 1);

    /// <summary>KV-cache tokens the request holds on its replica (vLLM-like model).</summary>
    public int KvTokens { get; set; }

    public double FirstTokenAt { get; set; } = double.NaN;

    public bool HasFirstToken => !double.IsNaN(FirstTokenAt);

    /// <summary>Time to first token.</summary>
    public double Wait => FirstTokenAt - ArrivalSeconds;
}
