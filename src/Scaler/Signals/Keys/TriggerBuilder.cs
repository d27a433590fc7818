using Scaler.Decisions;
using Scaler.Decisions.Capacity;
using Scaler.Signals.Kubernetes;

namespace Scaler.Signals.Keys;

/// <summary>
/// What the sources' <see cref="ITriggerKeys.Parse"/> add to one trigger: signals, in order, and the policy
/// settings a source owns (the GPU source's saturation mode). Two sources adding the same signal is a conflict
/// the parser reports with both sources' keys.
/// </summary>
/// <param name="workload">The scaled workload, with the trigger's pod selector when one was given.</param>
internal sealed class TriggerBuilder(WorkloadRef workload)
{
    private readonly List<ParsedSignal> _signals = [];
    private readonly List<(string Name, SignalQuery Query)> _inputs = [];
    private readonly List<(ITriggerKeys First, ITriggerKeys Second, string Signal)> _conflicts = [];

    /// <summary>The workload whose pods the pod-reading sources read.</summary>
    public WorkloadRef Workload { get; } = workload;

    /// <summary>How saturation signals take part; null leaves the policy's default.</summary>
    public SaturationMode? Saturation { get; set; }

    /// <summary>Capacity sizing to a latency objective, as the source that reads the work signals sets it; null when off.</summary>
    public CapacityPolicy? Capacity { get; set; }

    /// <summary>What capacity sizing is fed, as its source declared it (<see cref="CapacityIdentity"/> names it in the metric name).</summary>
    public string? CapacityIdentity { get; set; }

    /// <summary>Readings the engine takes by name outside the signals (capacity sizing's inputs): name and query.</summary>
    public IReadOnlyList<(string Name, SignalQuery Query)> Inputs => _inputs;

    /// <summary>Adds one reading the engine takes by name without a signal of its own.</summary>
    public void AddInput(string name, SignalQuery query)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(query);
        _inputs.Add((name, query));
    }

    /// <summary>The source whose keys are being parsed (set by the parser).</summary>
    internal ITriggerKeys? Source { get; set; }

    public IReadOnlyList<ParsedSignal> Signals => _signals;

    /// <summary>Signals two sources both added: the first one's stays.</summary>
    public IReadOnlyList<(ITriggerKeys First, ITriggerKeys Second, string Signal)> Conflicts => _conflicts;

    /// <summary>Adds one signal of the current source.</summary>
    public void AddSignal(SignalSpec spec, SignalQuery query, string identity, string targetKey, string? activationKey = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var source = Source ?? throw new InvalidOperationException("signals are added while a source's keys are parsed");
        if (_signals.Find(s => s.Spec.Name == spec.Name) is { } existing)
        {
            _conflicts.Add((existing.Source, source, spec.Name));
            return;
        }

        _signals.Add(new ParsedSignal(spec, query, identity, targetKey, activationKey, source));
    }
}
