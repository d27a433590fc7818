namespace Scaler.Simulation;

/// <summary>Runs an <see cref="Evaluation"/>: the independent replays in parallel, each deterministic.</summary>
internal static class Evaluator
{
    public static Evaluation Run(Trace trace, SimulationOptions options, bool includeFixed = true)
    {
        ArgumentNullException.ThrowIfNull(trace);
        options = Prepare(trace, options);
        var max = options.Policies.MaxReplicas;
        var loops = Policies.Create(options).ToList();
        var fixedCounts = includeFixed ? Enumerable.Range(1, max).Select(n => (IScalingLoop)new StaticLoop(n)).ToList() : [];
        var jobs = loops.Concat(fixedCounts).ToList();
        var results = new PolicyResult[jobs.Count];
        ClairvoyantResult? clairvoyant = null;
        BoundResult? bound = null;
        Parallel.For(0, jobs.Count + 2, i =>
        {
            if (i == jobs.Count)
            {
                clairvoyant = ClairvoyantPlanner.Plan(trace, options);
            }
            else if (i == jobs.Count + 1)
            {
                bound = CapacityBound.Compute(trace, options.Deployment, max, options.Slo);
            }
            else
            {
                results[i] = Simulator.Run(trace, jobs[i], options);
            }
        });

        return new Evaluation(options, results[..loops.Count], results[loops.Count..], bound!, clairvoyant!);
    }

    /// <summary>Applies <see cref="SimulationOptions.WarmStart"/>: the initial size becomes what the first minute needs.</summary>
    public static SimulationOptions Prepare(Trace trace, SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.WarmStart)
        {
            return options;
        }

        var initial = ClairvoyantPlanner.FirstMinuteReplicas(trace, options.Deployment, options.Policies.MaxReplicas, options.Slo);
        return options with { Deployment = options.Deployment with { InitialReplicas = initial }, WarmStart = false };
    }
}
