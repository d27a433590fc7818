namespace Scaler.Decisions.Capacity;

/// <summary>
/// A replica's steady state at a given load, as <see cref="QueueingModel"/> predicts it.
/// </summary>
/// <param name="Utilization">Share of step time spent on per-token work; at 1 the steps grow without bound.</param>
/// <param name="StepSeconds">Mean step length.</param>
/// <param name="Batch">Mean sequences decoding.</param>
/// <param name="KvCacheUse">Mean KV-cache use, 0..1 (0 when the capacity is unknown).</param>
/// <param name="PrefillUtilization">Load on the prompt queue: arrivals × prompt / prefill throughput left by decodes.</param>
/// <param name="TimeToFirstToken">The objective's percentile of time to first token; infinity when unstable.</param>
internal readonly record struct OperatingPoint(double Utilization, double StepSeconds, double Batch, double KvCacheUse, double PrefillUtilization, double TimeToFirstToken);
