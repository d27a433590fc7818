namespace Scaler.Decisions;

/// <summary>One signal the engine decides on: how its value maps to replicas.</summary>
/// <param name="Name">Unique name within a policy; readings are matched to it by name (ordinal).</param>
/// <param name="Kind">Average per replica or total.</param>
/// <param name="Role">Demand or saturation.</param>
/// <param name="Target">Per-replica target (an average such as 0.7, or a total per replica such as 5 requests). Must be positive.</param>
internal sealed record SignalSpec(string Name, SignalKind Kind, SignalRole Role, double Target)
{
    /// <summary>The staleness limit when none is given: 60 s.</summary>
    public static readonly TimeSpan DefaultStalenessLimit = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The workload is active while a demand signal's value is strictly above this (KEDA's
    /// <c>activation*</c> semantics). Default 0: one pending request or queued message activates.
    /// </summary>
    public double ActivationThreshold { get; init; }

    /// <summary>
    /// How old the last good observation may be and still be used. Beyond it the signal is unknown and
    /// the policy's fallback applies. Default 60 s.
    /// </summary>
    public TimeSpan StalenessLimit { get; init; } = DefaultStalenessLimit;
}
