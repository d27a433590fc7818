namespace Scaler.Simulation;

/// <summary>Which model of one inference server replica the deployment runs.</summary>
internal enum ServerModel
{
    /// <summary>
    /// vLLM-like: admission by KV-cache tokens and a sequence cap, one engine step at a time whose length
    /// grows with the tokens in it, prefill chunks and decodes sharing each step's token budget.
    /// </summary>
    Vllm,

    /// <summary>
    /// The first model (kept so earlier numbers can be reproduced): a fixed number of slots, prompts
    /// served first come first served at a fixed rate, every stream decoding at its own fixed rate.
    /// </summary>
    Classic,
}
