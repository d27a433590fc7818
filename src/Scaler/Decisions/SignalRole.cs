namespace Scaler.Decisions;

/// <summary>What a signal says about the workload, which decides how it takes part.</summary>
internal enum SignalRole
{
    /// <summary>
    /// Work that exists: pending, queued or in-flight requests. Demand decides activity (scale to and
    /// from zero) and drives replicas up and down.
    /// </summary>
    Demand,

    /// <summary>
    /// How busy the replicas are: GPU utilization, KV-cache use. It saturates under continuous batching
    /// (one request keeps the duty cycle near 100%), so it cannot say how much more capacity is needed;
    /// <see cref="ScalingPolicy.Saturation"/> decides how it takes part. Never decides activity.
    /// </summary>
    Saturation,
}
