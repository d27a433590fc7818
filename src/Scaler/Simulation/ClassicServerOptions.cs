using System.Globalization;

namespace Scaler.Simulation;

/// <summary>The first server model's knobs (<see cref="ServerModel.Classic"/>); defaults as docs/simulator.md states them.</summary>
internal sealed record ClassicServerOptions
{
    /// <summary>Prompt (prefill) tokens per second one replica processes, first come first served. Default 8,000.</summary>
    public double PrefillTokensPerSecond { get; init; } = 8000;

    /// <summary>Generated tokens per second of one request stream; streams decode in parallel. Default 40.</summary>
    public double DecodeTokensPerSecond { get; init; } = 40;

    /// <summary>Requests one replica runs at once; more wait. Default 16.</summary>
    public int MaxConcurrency { get; init; } = 16;

    /// <summary>Window over which GPU utilization (busy fraction) is averaged. Default 30 s.</summary>
    public TimeSpan UtilizationWindow { get; init; } = TimeSpan.FromSeconds(30);

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"classic server: {PrefillTokensPerSecond:0} prefill tokens/s, {DecodeTokensPerSecond:0.#} tokens/s per stream, {MaxConcurrency} concurrent per replica");
}
