namespace Scaler.Decisions;

/// <summary>The rules that can change the result, in the order the engine applies them.</summary>
internal enum Rule
{
    /// <summary>Replicas are warming and load has not grown since the scale-up that asked for them.</summary>
    Warming,

    /// <summary>A saturation signal was kept from adding replicas (<see cref="ScalingPolicy.Saturation"/>).</summary>
    Saturation,

    /// <summary>Active workload: at least one replica (scale from zero).</summary>
    Activation,

    /// <summary>Inactive workload kept at the idle tier.</summary>
    IdleTier,

    /// <summary>Inactive beyond <see cref="ScalingPolicy.ScaleToZeroAfter"/>: down to the minimum.</summary>
    ScaleToZero,

    /// <summary>A signal is unknown: never move down.</summary>
    FailureHold,

    /// <summary>A signal is unknown beyond its staleness limit: ask for the fallback count.</summary>
    Fallback,

    /// <summary>Stabilization window (scale up or down).</summary>
    Stabilization,

    /// <summary>Rate limit (scale up or down).</summary>
    RateLimit,

    /// <summary>Minimum or maximum replicas.</summary>
    Bounds,
}
