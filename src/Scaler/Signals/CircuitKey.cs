namespace Scaler.Signals;

/// <summary>One circuit: a source and one of its upstreams (credential-free), as the pipeline registry keys it.</summary>
internal readonly record struct CircuitKey(string Source, string Upstream);
