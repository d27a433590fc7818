namespace Scaler.Simulation;

/// <summary>Everything one simulation run needs besides the trace.</summary>
internal sealed record SimulationOptions
{
    public DeploymentOptions Deployment { get; init; } = new();

    public PolicyOptions Policies { get; init; } = new();

    /// <summary>How old each kind of signal is when read. Default: as in a cluster.</summary>
    public SignalAges Ages { get; init; } = new();

    /// <summary>Time-to-first-token objective. Default 2 s.</summary>
    public TimeSpan Slo { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The first part of the trace, reported apart (its violations mostly reflect the starting size). Default 5 min.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Start from a deployment sized for the trace's first minute instead of <see cref="DeploymentOptions.InitialReplicas"/>. Default false.</summary>
    public bool WarmStart { get; init; }

    /// <summary>Seconds per chart point. Default 10 s.</summary>
    public double SeriesBucketSeconds { get; init; } = 10;

    /// <summary>The first model and instant signals: what the first reports ran.</summary>
    public static SimulationOptions ClassicPreset { get; } = new()
    {
        Deployment = DeploymentOptions.ClassicPreset,
        Ages = SignalAges.Instant,
        Policies = new PolicyOptions { RequestsHpaTarget = PolicyOptions.ClassicRequestsHpaTarget, Capacity = null },
    };
}
