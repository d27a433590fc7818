using System.Globalization;
using Scaler.Decisions;
using Scaler.Durations;

namespace Scaler.Simulation;

/// <summary>Output format of the simulate command.</summary>
internal enum OutputFormat
{
    Text,
    Json,
}

/// <summary>The parsed command line of <c>scaler simulate</c>.</summary>
internal sealed record SimulateOptions
{
    public string? TracePath { get; init; }

    public TraceShape Shape { get; init; } = TraceShape.Bursty;

    public int Seed { get; init; } = 42;

    public TimeSpan Duration { get; init; } = TimeSpan.FromHours(1);

    public SimulationOptions Simulation { get; init; } = new();

    public OutputFormat Format { get; init; } = OutputFormat.Text;

    /// <summary>Where to write the chart; null writes none. Text runs default to a file in the temp folder.</summary>
    public string? SvgPath { get; init; }

    public bool Help { get; init; }

    public static string DefaultSvgPath => Path.Combine(Path.GetTempPath(), "scaler-simulation.svg");

    public const string Usage = """
        Usage: scaler simulate [options]

        Replays a request trace in virtual time through a model of a GPU inference deployment and compares
        the composite engine with the design's GPU-utilization HPA and KEDA pending-requests ScaledObject.

        Trace
          --trace PATH              Azure LLM inference CSV (TIMESTAMP,ContextTokens,GeneratedTokens)
          --generate SHAPE          steady | bursty | diurnal, when no --trace (default bursty)
          --seed N                  generator seed (default 42)
          --duration D              generated trace length (default 1h)
        Deployment
          --startup D               replica start-up delay, model load included (default 60s)
          --prefill-rate N          prompt tokens per second per replica (default 8000)
          --decode-rate N           generated tokens per second per request stream (default 40)
          --max-concurrency N       requests one replica runs at once (default 16)
          --max-replicas N          maximum replicas, same for every policy (default 10)
          --initial-replicas N      ready replicas at the start (default 1)
        Composite policy
          --saturation MODES        how GPU utilization takes part: max, hold, hold-add, ignore, or a
                                    comma-separated list to compare (default ignore)
          --idle-replicas N         warm replicas kept while idle (default 1)
          --scale-to-zero-after D   inactivity before zero (default 15m)
          --fallback-replicas N     replicas to ask for when signals stay unknown (default: hold)
        Run
          --slo D                   time-to-first-token objective (default 2s)
          --outage START+LENGTH     every signal fails in this window, e.g. 20m+5m
          --format text|json        output (default text)
          --svg PATH                write the chart here (text runs default to the temp folder)
          --no-svg                  write no chart
        Durations: numbers with units, like 500ms, 2s, 1.5m, 1m30s or 1h (as in trigger metadata).
        """;
}

/// <summary>Parses <c>scaler simulate</c> arguments, collecting every error with the option it belongs to.</summary>
internal static class SimulateOptionsParser
{
    public static (SimulateOptions Options, IReadOnlyList<string> Errors) Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var errors = new List<string>();
        var options = new SimulateOptions();
        var deployment = new DeploymentOptions();
        var policies = new PolicyOptions();
        var slo = options.Simulation.Slo;
        var svgSet = false;
        string? svg = null;

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string name = arg, value = "";
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                name = arg[..equals];
                value = arg[(equals + 1)..];
            }

            bool Flag() => equals < 0;
            string? Value()
            {
                if (equals > 0)
                {
                    return value;
                }

                if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    return args[++i];
                }

                errors.Add($"{name}: missing value");
                return null;
            }

            switch (name)
            {
                case "--help" or "-h" when Flag():
                    options = options with { Help = true };
                    break;
                case "--trace":
                    if (Value() is { } path)
                    {
                        if (!File.Exists(path))
                        {
                            errors.Add($"--trace: no file at '{path}'; expected an Azure LLM inference CSV (TIMESTAMP,ContextTokens,GeneratedTokens)");
                        }

                        options = options with { TracePath = path };
                    }

                    break;
                case "--generate":
                    if (Value() is { } shape)
                    {
                        if (Enum.TryParse<TraceShape>(shape, ignoreCase: true, out var parsed) && !int.TryParse(shape, out _))
                        {
                            options = options with { Shape = parsed };
                        }
                        else
                        {
                            errors.Add($"--generate: expected steady, bursty or diurnal, got '{shape}'");
                        }
                    }

                    break;
                case "--seed":
                    if (Int(name, Value(), 0, int.MaxValue, "a whole number", errors) is { } seed)
                    {
                        options = options with { Seed = seed };
                    }

                    break;
                case "--duration":
                    if (Duration(name, Value(), errors) is { } duration)
                    {
                        options = options with { Duration = duration };
                    }

                    break;
                case "--startup":
                    if (Duration(name, Value(), errors, allowZero: true) is { } startup)
                    {
                        deployment = deployment with { StartupDelay = startup };
                    }

                    break;
                case "--prefill-rate":
                    if (Positive(name, Value(), "tokens per second", errors) is { } prefill)
                    {
                        deployment = deployment with { PrefillTokensPerSecond = prefill };
                    }

                    break;
                case "--decode-rate":
                    if (Positive(name, Value(), "tokens per second", errors) is { } decode)
                    {
                        deployment = deployment with { DecodeTokensPerSecond = decode };
                    }

                    break;
                case "--max-concurrency":
                    if (Int(name, Value(), 1, 100_000, "a whole number of requests, 1 or more", errors) is { } concurrency)
                    {
                        deployment = deployment with { MaxConcurrency = concurrency };
                    }

                    break;
                case "--max-replicas":
                    if (Int(name, Value(), 1, 10_000, "a whole number, 1 or more", errors) is { } max)
                    {
                        policies = policies with { MaxReplicas = max };
                    }

                    break;
                case "--initial-replicas":
                    if (Int(name, Value(), 0, 10_000, "a whole number, 0 or more", errors) is { } initial)
                    {
                        deployment = deployment with { InitialReplicas = initial };
                    }

                    break;
                case "--saturation":
                    if (Value() is { } modes)
                    {
                        var parsed = new List<SaturationMode>();
                        foreach (var mode in modes.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                        {
                            SaturationMode? known = mode switch
                            {
                                "max" => SaturationMode.Max,
                                "hold" => SaturationMode.HoldOnly,
                                "hold-add" => SaturationMode.HoldAndAddWithDemand,
                                "ignore" => SaturationMode.Ignore,
                                _ => null,
                            };
                            if (known is { } m)
                            {
                                if (!parsed.Contains(m))
                                {
                                    parsed.Add(m);
                                }
                            }
                            else
                            {
                                errors.Add($"--saturation: expected max, hold, hold-add or ignore (comma-separated), got '{mode}'");
                            }
                        }

                        if (parsed.Count > 0)
                        {
                            policies = policies with { SaturationModes = parsed };
                        }
                        else if (modes.Trim().Length == 0)
                        {
                            errors.Add("--saturation: expected max, hold, hold-add or ignore (comma-separated)");
                        }
                    }

                    break;
                case "--idle-replicas":
                    if (Int(name, Value(), 0, 10_000, "a whole number, 0 or more", errors) is { } idle)
                    {
                        policies = policies with { IdleReplicas = idle };
                    }

                    break;
                case "--scale-to-zero-after":
                    if (Duration(name, Value(), errors, allowZero: true) is { } zeroAfter)
                    {
                        policies = policies with { ScaleToZeroAfter = zeroAfter };
                    }

                    break;
                case "--fallback-replicas":
                    if (Int(name, Value(), 1, 10_000, "a whole number, 1 or more", errors) is { } fallback)
                    {
                        policies = policies with { FallbackReplicas = fallback };
                    }

                    break;
                case "--slo":
                    if (Duration(name, Value(), errors) is { } objective)
                    {
                        slo = objective;
                    }

                    break;
                case "--outage":
                    if (Value() is { } outage)
                    {
                        var parts = outage.Split('+');
                        if (parts.Length == 2 && ParseDuration(parts[0], allowZero: true) is { } start && ParseDuration(parts[1], allowZero: false) is { } length)
                        {
                            policies = policies with { Outage = new Outage(start.TotalSeconds, (start + length).TotalSeconds) };
                        }
                        else
                        {
                            errors.Add($"--outage: expected START+LENGTH with durations, like 20m+5m; got '{outage}'");
                        }
                    }

                    break;
                case "--format":
                    if (Value() is { } format)
                    {
                        if (format is "text" or "json")
                        {
                            options = options with { Format = format == "json" ? OutputFormat.Json : OutputFormat.Text };
                        }
                        else
                        {
                            errors.Add($"--format: expected text or json, got '{format}'");
                        }
                    }

                    break;
                case "--svg":
                    if (Value() is { } svgPath)
                    {
                        svg = svgPath;
                        svgSet = true;
                    }

                    break;
                case "--no-svg" when Flag():
                    svg = null;
                    svgSet = true;
                    break;
                default:
                    errors.Add(arg.StartsWith('-')
                        ? $"{name}: unknown option; run 'scaler simulate --help' for the list"
                        : $"'{arg}': unexpected argument; options start with --");
                    break;
            }
        }

        if (options.TracePath is not null && args.Any(a => a == "--generate" || a.StartsWith("--generate=", StringComparison.Ordinal)))
        {
            errors.Add("--generate: cannot be combined with --trace; pick one trace");
        }

        if (deployment.InitialReplicas > policies.MaxReplicas)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--initial-replicas: must not exceed --max-replicas ({policies.MaxReplicas})"));
        }

        if (policies.IdleReplicas > policies.MaxReplicas)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--idle-replicas: must not exceed --max-replicas ({policies.MaxReplicas})"));
        }

        if (policies.FallbackReplicas > policies.MaxReplicas)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--fallback-replicas: must not exceed --max-replicas ({policies.MaxReplicas})"));
        }

        if (!svgSet && options.Format == OutputFormat.Text)
        {
            svg = SimulateOptions.DefaultSvgPath;
        }

        options = options with
        {
            Simulation = options.Simulation with { Deployment = deployment, Policies = policies, Slo = slo },
            SvgPath = svg,
        };
        return (options, errors);
    }

    /// <summary>Parses the product's duration form ("500ms", "1.5m", "1m30s"); null when malformed or not positive (zero when allowed).</summary>
    public static TimeSpan? ParseDuration(string text, bool allowZero)
    {
        ArgumentNullException.ThrowIfNull(text);
        return DurationText.TryParse(text.Trim(), out var duration) && (duration > TimeSpan.Zero || allowZero) ? duration : null;
    }

    private static TimeSpan? Duration(string name, string? text, List<string> errors, bool allowZero = false)
    {
        if (text is null)
        {
            return null;
        }

        var parsed = ParseDuration(text, allowZero);
        if (parsed is null)
        {
            errors.Add($"{name}: expected a duration like 500ms, 2s, 1.5m, 1m30s or 1h; got '{text}'");
        }

        return parsed;
    }

    private static int? Int(string name, string? text, int min, int max, string expected, List<string> errors)
    {
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors.Add($"{name}: expected {expected}; got '{text}'");
        return null;
    }

    private static double? Positive(string name, string? text, string unit, List<string> errors)
    {
        if (text is null)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value > 0 && !double.IsInfinity(value))
        {
            return value;
        }

        errors.Add($"{name}: expected a positive number of {unit}; got '{text}'");
        return null;
    }
}
