namespace Scaler.Decisions;

/// <summary>How a signal's value maps to replicas; the Kubernetes HPA semantics for each shape.</summary>
internal enum SignalKind
{
    /// <summary>A per-replica average such as GPU utilization (0..1): desired = ceil(ready × value / target).</summary>
    Average,

    /// <summary>A total across the workload such as pending requests or queue depth: desired = ceil(value / target).</summary>
    Total,
}

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

/// <summary>One signal the engine decides on, as a front door parses it from trigger metadata.</summary>
/// <param name="Name">Unique name within a policy; readings are matched to it by name (ordinal).</param>
/// <param name="Kind">Average per replica or total.</param>
/// <param name="Role">Demand or saturation.</param>
/// <param name="Target">Per-replica target (an average such as 0.7, or a total per replica such as 5 requests). Must be positive.</param>
internal sealed record SignalSpec(string Name, SignalKind Kind, SignalRole Role, double Target)
{
    /// <summary>
    /// The workload is active while a demand signal's value is strictly above this (KEDA's
    /// <c>activation*</c> semantics). Default 0: one pending request or queued message activates.
    /// </summary>
    public double ActivationThreshold { get; init; }

    /// <summary>
    /// How old the last good observation may be and still be used. Beyond it the signal is unknown and
    /// the policy's fallback applies. Default 60 s.
    /// </summary>
    public TimeSpan StalenessLimit { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>Whether a reading is current.</summary>
internal enum SignalStatus
{
    /// <summary>Observed in the current collection round.</summary>
    Fresh,

    /// <summary>The source failed this round; the value is the last good one, observed at <see cref="SignalReading.ObservedAt"/>.</summary>
    Stale,

    /// <summary>No usable value (source down, empty answer, never observed). Unknown is never 0.</summary>
    Unavailable,
}

/// <summary>
/// One observation of a signal, as a source hands it over. Failures are data: an unavailable reading has
/// no value (NaN), never 0.
/// </summary>
/// <param name="Name">The <see cref="SignalSpec.Name"/> it belongs to.</param>
/// <param name="Status">Fresh, stale or unavailable.</param>
/// <param name="Value">The value; NaN when unavailable.</param>
/// <param name="ObservedAt">When the value was observed; for an unavailable reading, the last good observation if any.</param>
internal readonly record struct SignalReading(string Name, SignalStatus Status, double Value, DateTimeOffset? ObservedAt)
{
    /// <summary>Why the reading is not fresh, as the source said it (no credentials); shown in the explanation.</summary>
    public string? Reason { get; init; }

    public static SignalReading Fresh(string name, double value, DateTimeOffset observedAt) =>
        new(name, SignalStatus.Fresh, value, observedAt);

    public static SignalReading Stale(string name, double lastValue, DateTimeOffset observedAt) =>
        new(name, SignalStatus.Stale, lastValue, observedAt);

    public static SignalReading Unavailable(string name, DateTimeOffset? lastObservedAt = null) =>
        new(name, SignalStatus.Unavailable, double.NaN, lastObservedAt);
}
