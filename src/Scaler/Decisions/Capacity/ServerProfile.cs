using System.Globalization;

namespace Scaler.Decisions.Capacity;

/// <summary>
/// What one replica of an inference server can do, in the terms of a continuous-batching engine: each step
/// takes <c>StepSeconds + TokenSeconds × tokens in the step + FullCacheSeconds × KV-cache use</c>, holds at
/// most <see cref="MaxBatchedTokens"/> tokens and <see cref="MaxSequences"/> sequences, and the cache holds
/// <see cref="KvCacheTokens"/> tokens. The first three are learned online (<see cref="ProfileEstimator"/>);
/// the limits come from the server's configuration.
/// </summary>
/// <param name="StepSeconds">Fixed cost of one step (reading the weights, scheduling).</param>
/// <param name="TokenSeconds">Compute per processed token, prompt or generated.</param>
/// <param name="FullCacheSeconds">Extra step time when the KV cache is full (reading it), scaled by its use.</param>
/// <param name="KvCacheTokens">KV-cache capacity in tokens; 0 when unknown (the KV guard then stands in).</param>
/// <param name="MaxBatchedTokens">Token budget of one step (vLLM <c>max_num_batched_tokens</c>).</param>
/// <param name="MaxSequences">Sequences one step may hold (vLLM <c>max_num_seqs</c>).</param>
internal sealed record ServerProfile(double StepSeconds, double TokenSeconds, double FullCacheSeconds, double KvCacheTokens, int MaxBatchedTokens, int MaxSequences)
{
    /// <summary>
    /// A deliberately vague starting point for a mid-size model on one data-center GPU (an 8B model on an
    /// L40S-class card): 25 ms steps, 9,000 prompt tokens/s, 35 ms more at a full cache; vLLM's OpenAI-server
    /// limits (2,048 tokens, 256 sequences). The estimator starts here with 100% uncertainty.
    /// </summary>
    public static ServerProfile Default { get; } = new(0.025, 1.0 / 9000, 0.035, 0, 2048, 256);

    /// <summary>Prompt tokens per second of one replica doing nothing else (the whole budget to prefill).</summary>
    public double PrefillTokensPerSecond => MaxBatchedTokens / (StepSeconds + (TokenSeconds * MaxBatchedTokens));

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"step {StepSeconds * 1000:0.#} ms + {1 / TokenSeconds:0} tokens/s + {FullCacheSeconds * 1000:0.#} ms at a full cache");
}
