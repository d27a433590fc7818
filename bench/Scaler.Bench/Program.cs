using System.Globalization;
using Scaler.Simulation;
var c = CultureInfo.InvariantCulture;
var opts = new SimulationOptions();
foreach (var shape in new[] { TraceShape.Steady, TraceShape.Diurnal, TraceShape.Bursty })
{
    foreach (var target in new[] { 4.0, 8, 12, 16, 24, 32, 48, 64 })
    {
        var rows = new List<PolicyResult>();
        foreach (var seed in new[] { 101, 102, 103, 104, 105 })
        {
            var trace = TraceGenerator.Generate(shape, seed, TimeSpan.FromHours(1));
            var o = opts with { Policies = opts.Policies with { RequestsHpaTarget = target } };
            var loop = Policies.Create(o).Single(l => l.Name == Policies.RequestsHpa);
            rows.Add(Simulator.Run(trace, loop, o));
        }
        Console.WriteLine(string.Create(c, $"{shape} target {target}: GPU-h {string.Join(" ", rows.Select(r => r.GpuHours.ToString("0.00", c)))} after-warmup viol% {string.Join(" ", rows.Select(r => (r.AfterWarmup.ViolationShare * 100).ToString("0.0", c)))}"));
    }
}
