namespace Scaler.Simulation;

/// <summary>
/// <c>scaler simulate</c>: the command-line edge of the simulator. Bad options and bad trace files are
/// precise errors on stderr with exit code 2, never a stack trace.
/// </summary>
internal static class SimulateCommand
{
    public const int UsageError = 2;

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var (options, errors) = SimulateOptionsParser.Parse(args);
        if (options.Help)
        {
            stdout.WriteLine(SimulateOptions.Usage);
            return 0;
        }

        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                stderr.WriteLine($"scaler simulate: {error}");
            }

            stderr.WriteLine("Run 'scaler simulate --help' for the options.");
            return UsageError;
        }

        Trace trace;
        try
        {
            trace = options.TracePath is { } path
                ? AzureTraceReader.Read(path)
                : TraceGenerator.Generate(options.Shape, options.Seed, options.Duration);
        }
        catch (Exception e) when (e is TraceFormatException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"scaler simulate: --trace: {e.Message}");
            return UsageError;
        }

        if (trace.Requests.IsDefaultOrEmpty)
        {
            stderr.WriteLine("scaler simulate: the trace has no requests; try a longer --duration");
            return UsageError;
        }

        var costs = options.Simulation.Deployment.Costs;
        if (trace.Requests.Select(costs.CannotHold).FirstOrDefault(reason => reason is not null) is { } cannot)
        {
            stderr.WriteLine($"scaler simulate: --kv-cache-tokens: {cannot}; raise it or use another trace");
            return UsageError;
        }

        var evaluation = Evaluator.Run(trace, options.Simulation);
        stdout.WriteLine(options.Format == OutputFormat.Json
            ? SimulationReport.Json(evaluation)
            : SimulationReport.Text(trace, evaluation));

        if (options.SvgPath is { } svgPath)
        {
            try
            {
                File.WriteAllText(svgPath, SimulationChart.Render(trace, evaluation.Policies, evaluation.Options.Policies.MaxReplicas, evaluation.Clairvoyant.Result));
                (options.Format == OutputFormat.Json ? stderr : stdout).WriteLine($"chart: {Path.GetFullPath(svgPath)}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"scaler simulate: --svg: cannot write '{svgPath}': {e.Message}");
                return UsageError;
            }
        }

        return 0;
    }
}
