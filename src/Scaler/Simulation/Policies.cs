using Scaler.Decisions;
using Scaler.Decisions.Capacity;

namespace Scaler.Simulation;

/// <summary>Knobs of the policies compared side by side.</summary>
internal sealed record PolicyOptions
{
    /// <summary>Same maximum for every policy. Default 10.</summary>
    public int MaxReplicas { get; init; } = 10;

    /// <summary>How GPU utilization takes part in the composite policy; several give one composite per mode.</summary>
    public IReadOnlyList<SaturationMode> SaturationModes { get; init; } = [ScalingPolicy.Defaults.Saturation];

    /// <summary>Composite: warm replicas kept while idle. Default: the engine's default.</summary>
    public int IdleReplicas { get; init; } = ScalingPolicy.Defaults.IdleReplicas;

    /// <summary>Composite: inactivity before zero. Default: the engine's default.</summary>
    public TimeSpan ScaleToZeroAfter { get; init; } = ScalingPolicy.Defaults.ScaleToZeroAfter;

    /// <summary>Composite: fallback replicas when signals fail. Default none.</summary>
    public int? FallbackReplicas { get; init; }

    /// <summary>Signals fail in this window (all policies).</summary>
    public Outage? Outage { get; init; }

    /// <summary>Composite: pending requests per replica in its pending mode (<c>composite-pending</c>). Default 5, the design's KEDA threshold.</summary>
    public double DemandTarget { get; init; } = Policies.PendingPerReplica;

    /// <summary>Composite: capacity sizing (the product's default with work signals); null runs the pending mode as <c>composite</c>.</summary>
    public CapacityPolicy? Capacity { get; init; } = new();

    /// <summary>
    /// The HPA on running + waiting requests: its per-pod target. Default 24 for the vLLM-like server, the
    /// largest target without violations on held-out seeds of the chat shapes (docs/simulator.md), as a
    /// careful team would pick it by load-testing; 12 (75% of the slots) for the classic server.
    /// </summary>
    public double RequestsHpaTarget { get; init; } = VllmRequestsHpaTarget;

    public const double VllmRequestsHpaTarget = 24;

    public const double ClassicRequestsHpaTarget = 12;
}

/// <summary>The policies of the comparison, built fresh for each run, each reading its signals as old as its path makes them.</summary>
internal static class Policies
{
    public const string Composite = "composite";
    public const string CompositePending = "composite-pending";
    public const string Hpa = "hpa-gpu-util";
    public const string Keda = "keda-pending";
    public const string RequestsHpa = "hpa-requests";

    /// <summary>Pending requests per replica: the KEDA trigger's threshold, and the composite's demand target.</summary>
    public const double PendingPerReplica = 5;

    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan Sync = TimeSpan.FromSeconds(15);

    public static IReadOnlyList<IScalingLoop> Create(SimulationOptions simulation)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        var options = simulation.Policies;
        var ages = simulation.Ages;
        var loops = new List<IScalingLoop>();
        foreach (var mode in options.SaturationModes)
        {
            var name = options.SaturationModes.Count == 1 ? Composite : $"{Composite}-{ModeName(mode)}";
            loops.Add(CompositeLoop(name, options.Capacity is null ? CompositePolicy(options, mode) : CapacityAwarePolicy(options, mode), simulation));
        }

        if (options.Capacity is not null)
        {
            loops.Add(CompositeLoop(CompositePending, CompositePolicy(options, options.SaturationModes[0]), simulation));
        }

        // The design's HPA reads GPU utilization through dcgm-exporter and Prometheus, the queue through Prometheus.
        loops.Add(new EngineLoop(Hpa, HpaPolicy(options.MaxReplicas), Sync, pushActivation: false, options.Outage, Epoch,
            new Dictionary<string, SignalAge> { [SimulatedSignals.GpuUtilization] = ages.Dcgm, [SimulatedSignals.Queue] = ages.Prometheus }));
        loops.Add(new KedaLoop(Keda, options.MaxReplicas, PendingPerReplica, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(300), options.Outage, Epoch, ages.Prometheus));
        loops.Add(new EngineLoop(RequestsHpa, RequestsHpaPolicy(options.MaxReplicas, options.RequestsHpaTarget), Sync, pushActivation: false, options.Outage, Epoch,
            new Dictionary<string, SignalAge> { [SimulatedSignals.Requests] = ages.Prometheus }));
        return loops;
    }

    /// <summary>The composite as the Scaler runs it behind an external-push trigger: watched pods, push activation.</summary>
    public static EngineLoop CompositeLoop(string name, ScalingPolicy policy, SimulationOptions simulation)
    {
        ArgumentNullException.ThrowIfNull(simulation);
        var ages = simulation.Ages;
        return new EngineLoop(name, policy, Sync, pushActivation: true, simulation.Policies.Outage, Epoch,
            new Dictionary<string, SignalAge> { [SimulatedSignals.Requests] = ages.Pods, [SimulatedSignals.GpuUtilization] = ages.Pods, [EngineLoop.WorkAge] = ages.Pods },
            ages.Pods);
    }

    /// <summary>
    /// The product's default when the servers' work counters are read: capacity sizing to the objective
    /// (<see cref="PolicyOptions.Capacity"/>), GPU utilization reported, Kubernetes' default scale-up behind
    /// the warming gate, the 300 s down window; idle tier and scale to zero as in the pending mode.
    /// </summary>
    public static ScalingPolicy CapacityAwarePolicy(PolicyOptions options, SaturationMode mode)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ScalingPolicy
        {
            Signals = [new SignalSpec(SimulatedSignals.GpuUtilization, SignalKind.Average, SignalRole.Saturation, 0.7)],
            Capacity = options.Capacity,
            MinReplicas = 0,
            MaxReplicas = options.MaxReplicas,
            IdleReplicas = options.IdleReplicas,
            ScaleToZeroAfter = options.ScaleToZeroAfter,
            FallbackReplicas = options.FallbackReplicas,
            Saturation = mode,
            ScaleUp = ScalingRules.KubernetesUp,
            ScaleDown = ScalingRules.KubernetesDown,
        };
    }

    /// <summary>
    /// The product's composite policy with the engine's defaults: pending requests (the same signal and
    /// per-replica target as the KEDA trigger, so differences come from the engine's rules) and GPU
    /// utilization taking part per <paramref name="mode"/>.
    /// </summary>
    public static ScalingPolicy CompositePolicy(PolicyOptions options, SaturationMode mode) => new()
    {
        Signals =
        [
            new SignalSpec(SimulatedSignals.Requests, SignalKind.Total, SignalRole.Demand, options.DemandTarget),
            new SignalSpec(SimulatedSignals.GpuUtilization, SignalKind.Average, SignalRole.Saturation, 0.7),
        ],
        MinReplicas = 0,
        MaxReplicas = options.MaxReplicas,
        IdleReplicas = options.IdleReplicas,
        ScaleToZeroAfter = options.ScaleToZeroAfter,
        FallbackReplicas = options.FallbackReplicas,
        Saturation = mode,
    };

    /// <summary>
    /// The design's HPA: GPU utilization 70% and queue 10 per pod, min 1, up: 60 s window and 2 pods per
    /// 60 s, down: 300 s window and 1 pod per 120 s, 15 s sync. Plain HPA math: max of the metrics, no
    /// tiers, no warming gate; a failed metric holds the count.
    /// </summary>
    public static ScalingPolicy HpaPolicy(int maxReplicas) => new()
    {
        Signals =
        [
            new SignalSpec(SimulatedSignals.GpuUtilization, SignalKind.Average, SignalRole.Saturation, 0.7),
            new SignalSpec(SimulatedSignals.Queue, SignalKind.Total, SignalRole.Demand, 10),
        ],
        MinReplicas = 1,
        MaxReplicas = maxReplicas,
        IdleReplicas = 0,

        // An HPA has no activity tiers: never leave the idle tier.
        ScaleToZeroAfter = TimeSpan.MaxValue,
        ScaleUp = new ScalingRules(TimeSpan.FromSeconds(60), [new RateLimit(RateLimitKind.Pods, 2, TimeSpan.FromSeconds(60))]),
        ScaleDown = new ScalingRules(TimeSpan.FromSeconds(300), [new RateLimit(RateLimitKind.Pods, 1, TimeSpan.FromSeconds(120))]),
        Saturation = SaturationMode.Max,
        WarmingGate = false,
    };

    /// <summary>
    /// An HPA on running + waiting requests per pod (GKE's and llm-d's advice for LLM servers): AverageValue
    /// <paramref name="target"/>, min 1, Kubernetes' default behaviour (up max(4 pods, 100%) per 15 s; down
    /// 300 s window, 100% per 15 s), 15 s sync; a failed metric holds the count.
    /// </summary>
    public static ScalingPolicy RequestsHpaPolicy(int maxReplicas, double target) => new()
    {
        Signals = [new SignalSpec(SimulatedSignals.Requests, SignalKind.Total, SignalRole.Demand, target)],
        MinReplicas = 1,
        MaxReplicas = maxReplicas,
        IdleReplicas = 0,
        ScaleToZeroAfter = TimeSpan.MaxValue,
        ScaleUp = ScalingRules.KubernetesUp,
        ScaleDown = ScalingRules.KubernetesDown,
        WarmingGate = false,
    };

    public static string ModeName(SaturationMode mode) => mode switch
    {
        SaturationMode.Max => "max",
        SaturationMode.HoldOnly => "hold",
        SaturationMode.HoldAndAddWithDemand => "hold-add",
        SaturationMode.Ignore => "ignore",
        _ => mode.ToString(),
    };
}
