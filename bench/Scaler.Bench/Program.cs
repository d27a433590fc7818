using Scaler.Decisions;
using Scaler.Simulation;

var traces = new List<Trace>();
foreach (var shape in new[] { TraceShape.Bursty, TraceShape.Steady })
{
    traces.Add(TraceGenerator.Generate(shape, 42, TimeSpan.FromHours(1)));
}
traces.Add(AzureTraceReader.Read("../shared/traces/azure-llm-inference-2023-code.csv"));
foreach (var trace in traces)
foreach (var mode in new[] { SaturationMode.HoldOnly, SaturationMode.Ignore })
foreach (var target in new[] { 2.0, 3.0, 4.0, 5.0, 6.0 })
{
    var options = new SimulationOptions();
    var p = Policies.CompositePolicy(options.Policies, mode);
    p = p with { Signals = [p.Signals[0] with { Target = target }, p.Signals[1]] };
    var r = Simulator.Run(trace, new EngineLoop("c", p, TimeSpan.FromSeconds(15), true, null, DateTimeOffset.UnixEpoch), options);
    Console.WriteLine($"{trace.Name[..8]} {mode,-9} t={target} gpuh {r.GpuHours,6:0.00} viol {r.SloViolations,5}");
}
