using System.Globalization;

namespace Scaler.Simulation;

/// <summary>
/// The vLLM-like server model's knobs (<see cref="ServerModel.Vllm"/>). Defaults describe Llama-3.1-8B in
/// bf16 on one NVIDIA L40S (48 GB, 864 GB/s, 362 dense bf16 TFLOPS) with vLLM's OpenAI-server defaults;
/// docs/simulator.md derives each number and says which are estimates.
/// </summary>
internal sealed record VllmServerOptions
{
    /// <summary>
    /// Fixed cost of one engine step: reading the weights once (16 GB at ~735 GB/s, 85% of peak) plus
    /// ~3 ms of scheduling. Sets the single-stream decode speed (1 / 25 ms = 40 tokens/s). Default 25 ms.
    /// </summary>
    public TimeSpan StepOverhead { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// Tokens per second of compute for the tokens a step processes (prompt chunks and decodes alike):
    /// 16 GFLOP per token at ~40% of 362 TFLOPS. Also the prefill speed of one replica alone. Default 9,000.
    /// </summary>
    public double PrefillTokensPerSecond { get; init; } = 9000;

    /// <summary>
    /// Context tokens per second a step reads from the KV cache (128 KiB per token at ~735 GB/s); every
    /// token held by a scheduled sequence is read once per step. Default 5,600,000.
    /// </summary>
    public double KvReadTokensPerSecond { get; init; } = 5_600_000;

    /// <summary>
    /// KV-cache capacity in tokens: 48 GB × 0.9 (gpu_memory_utilization) less 16 GB of weights and ~2 GB of
    /// activations and CUDA graphs, at 128 KiB per token. Default 196,608 (12,288 blocks of 16).
    /// </summary>
    public int KvCacheTokens { get; init; } = 196_608;

    /// <summary>Sequences one step may hold (vLLM <c>max_num_seqs</c>, OpenAI server default). Default 256.</summary>
    public int MaxNumSeqs { get; init; } = 256;

    /// <summary>Token budget of one step, shared by decodes and prompt chunks (vLLM <c>max_num_batched_tokens</c>). Default 2,048.</summary>
    public int MaxBatchedTokens { get; init; } = 2048;

    /// <summary>Window of the GPU utilization sample (NVML averages over 1/6 s to 1 s). Default 1 s.</summary>
    public TimeSpan UtilizationWindow { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Seconds of step time per processed token.</summary>
    public double SecondsPerToken => 1 / PrefillTokensPerSecond;

    /// <summary>Seconds of step time per context token read.</summary>
    public double SecondsPerContextToken => 1 / KvReadTokensPerSecond;

    /// <summary>Length of one step that processes <paramref name="tokens"/> tokens while <paramref name="kvTokens"/> are held.</summary>
    public double StepSeconds(int tokens, int kvTokens) =>
        StepOverhead.TotalSeconds + (tokens * SecondsPerToken) + (kvTokens * SecondsPerContextToken);

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"vLLM-like server: step {StepOverhead.TotalMilliseconds:0.#} ms + {PrefillTokensPerSecond:0} tokens/s of compute + KV reads at {KvReadTokensPerSecond:0} tokens/s; KV cache {KvCacheTokens:N0} tokens, max {MaxNumSeqs} sequences, {MaxBatchedTokens} tokens per step");
}
