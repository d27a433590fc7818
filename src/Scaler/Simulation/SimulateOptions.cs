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
        the composite engine with the design's GPU-utilization HPA and KEDA ScaledObject, an HPA on running +
        waiting requests, every fixed replica count, and the limit (a lower bound on GPU-hours and a
        clairvoyant schedule).

        Trace
          --trace PATH              Azure LLM inference CSV (TIMESTAMP,ContextTokens,GeneratedTokens)
          --generate SHAPE          steady | bursty | diurnal, when no --trace (default bursty)
          --seed N                  generator seed (default 42)
          --duration D              generated trace length (default 1h)
        Model
          --preset NAME             realistic (default: vLLM-like server, Service routing, cluster signal
                                    ages) or classic (the first model: exact, instant signals)
          --server vllm|classic     server model (default vllm)
          --routing R               service | least-loaded | gateway (default service)
          --startup D               replica start-up delay, model load included (default 60s)
          --prefill-rate N          prompt tokens per second of one replica (default 9000; classic 8000)
          --step-time D             vllm: fixed cost of one engine step (default 25ms)
          --kv-cache-tokens N       vllm: KV-cache capacity in tokens (default 196608)
          --max-num-seqs N          vllm: sequences per step (default 256)
          --max-batched-tokens N    vllm: token budget per step (default 2048)
          --decode-rate N           classic: generated tokens per second per stream (default 40)
          --max-concurrency N       classic: requests one replica runs at once (default 16)
          --max-replicas N          maximum replicas, same for every policy (default 10)
          --initial-replicas N      ready replicas at the start (default 1)
          --warm-start              start sized for the trace's first minute instead
        Signal ages
          --signal-ages NAME        realistic (default) or instant
          --age-pods D              the Scaler's pod scrape interval (default 500ms, a watched key)
          --age-prometheus D        Prometheus scrape interval (default 30s)
          --age-dcgm D              dcgm-exporter collection interval, before the scrape (default 30s)
        Policies
          --demand-target N         composite: pending requests per replica (default 5)
          --saturation MODES        composite: how GPU utilization takes part: max, hold, hold-add, ignore,
                                    or a comma-separated list to compare (default ignore)
          --idle-replicas N         composite: warm replicas kept while idle (default 1)
          --scale-to-zero-after D   composite: inactivity before zero (default 15m)
          --fallback-replicas N     composite: replicas when signals stay unknown (default: hold)
          --hpa-requests-target N   HPA on running + waiting requests: per-pod target (default 24; classic 12)
        Run
          --slo D                   time-to-first-token objective (default 2s)
          --warmup D                first part reported apart (default 5m)
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
        var policies = new PolicyOptions();
        var slo = options.Simulation.Slo;
        var warmup = options.Simulation.Warmup;
        bool classicPreset = false, warmStart = false;
        bool? instantAges = null;
        ServerModel? serverChoice = null;
        Routing? routingChoice = null;
        TimeSpan? startup = null, stepTime = null, agePods = null, agePrometheus = null, ageDcgm = null;
        double? prefillRate = null, decodeRate = null, requestsTarget = null;
        int? maxConcurrency = null, kvTokens = null, maxSeqs = null, batchedTokens = null, initialReplicas = null;
        var classicOnly = new List<string>();
        var vllmOnly = new List<string>();
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
                case "--preset":
                    if (Value() is { } preset)
                    {
                        if (preset is "realistic" or "classic")
                        {
                            classicPreset = preset == "classic";
                        }
                        else
                        {
                            errors.Add($"--preset: expected realistic or classic, got '{preset}'");
                        }
                    }

                    break;
                case "--server":
                    if (Value() is { } server)
                    {
                        serverChoice = server switch { "vllm" => ServerModel.Vllm, "classic" => ServerModel.Classic, _ => null };
                        if (serverChoice is null)
                        {
                            errors.Add($"--server: expected vllm or classic, got '{server}'");
                        }
                    }

                    break;
                case "--routing":
                    if (Value() is { } routing)
                    {
                        routingChoice = routing switch { "service" => Routing.Service, "least-loaded" => Routing.LeastLoaded, "gateway" => Routing.Gateway, _ => null };
                        if (routingChoice is null)
                        {
                            errors.Add($"--routing: expected service, least-loaded or gateway, got '{routing}'");
                        }
                    }

                    break;
                case "--signal-ages":
                    if (Value() is { } agesName)
                    {
                        if (agesName is "realistic" or "instant")
                        {
                            instantAges = agesName == "instant";
                        }
                        else
                        {
                            errors.Add($"--signal-ages: expected realistic or instant, got '{agesName}'");
                        }
                    }

                    break;
                case "--age-pods":
                    agePods = Duration(name, Value(), errors, allowZero: true) ?? agePods;
                    break;
                case "--age-prometheus":
                    agePrometheus = Duration(name, Value(), errors, allowZero: true) ?? agePrometheus;
                    break;
                case "--age-dcgm":
                    ageDcgm = Duration(name, Value(), errors, allowZero: true) ?? ageDcgm;
                    break;
                case "--startup":
                    startup = Duration(name, Value(), errors, allowZero: true) ?? startup;
                    break;
                case "--prefill-rate":
                    prefillRate = Positive(name, Value(), "tokens per second", errors) ?? prefillRate;
                    break;
                case "--decode-rate":
                    decodeRate = Positive(name, Value(), "tokens per second", errors) ?? decodeRate;
                    classicOnly.Add(name);
                    break;
                case "--max-concurrency":
                    maxConcurrency = Int(name, Value(), 1, 100_000, "a whole number of requests, 1 or more", errors) ?? maxConcurrency;
                    classicOnly.Add(name);
                    break;
                case "--step-time":
                    stepTime = Duration(name, Value(), errors) ?? stepTime;
                    vllmOnly.Add(name);
                    break;
                case "--kv-cache-tokens":
                    kvTokens = Int(name, Value(), 16, 100_000_000, "a whole number of tokens, 16 or more", errors) ?? kvTokens;
                    vllmOnly.Add(name);
                    break;
                case "--max-num-seqs":
                    maxSeqs = Int(name, Value(), 1, 100_000, "a whole number of sequences, 1 or more", errors) ?? maxSeqs;
                    vllmOnly.Add(name);
                    break;
                case "--max-batched-tokens":
                    batchedTokens = Int(name, Value(), 1, 10_000_000, "a whole number of tokens, 1 or more", errors) ?? batchedTokens;
                    vllmOnly.Add(name);
                    break;
                case "--max-replicas":
                    if (Int(name, Value(), 1, 10_000, "a whole number, 1 or more", errors) is { } max)
                    {
                        policies = policies with { MaxReplicas = max };
                    }

                    break;
                case "--initial-replicas":
                    initialReplicas = Int(name, Value(), 0, 10_000, "a whole number, 0 or more", errors) ?? initialReplicas;
                    break;
                case "--warm-start" when Flag():
                    warmStart = true;
                    break;
                case "--demand-target":
                    if (Positive(name, Value(), "requests per replica", errors) is { } demandTarget)
                    {
                        policies = policies with { DemandTarget = demandTarget };
                    }

                    break;
                case "--hpa-requests-target":
                    requestsTarget = Positive(name, Value(), "requests per pod", errors) ?? requestsTarget;

                    break;
                case "--warmup":
                    warmup = Duration(name, Value(), errors, allowZero: true) ?? warmup;
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

        // The preset first, then every explicit choice on top of it, whatever the order on the command line.
        var simulation = classicPreset ? SimulationOptions.ClassicPreset : new SimulationOptions();
        var deployment = simulation.Deployment;
        if (serverChoice is { } chosenServer && chosenServer != deployment.Server)
        {
            deployment = deployment with { Server = chosenServer, Routing = chosenServer == ServerModel.Classic ? Routing.Gateway : Routing.Service };
        }

        deployment = deployment with
        {
            Routing = routingChoice ?? deployment.Routing,
            StartupDelay = startup ?? deployment.StartupDelay,
            InitialReplicas = initialReplicas ?? deployment.InitialReplicas,
            Classic = deployment.Classic with
            {
                PrefillTokensPerSecond = prefillRate ?? deployment.Classic.PrefillTokensPerSecond,
                DecodeTokensPerSecond = decodeRate ?? deployment.Classic.DecodeTokensPerSecond,
                MaxConcurrency = maxConcurrency ?? deployment.Classic.MaxConcurrency,
            },
            Vllm = deployment.Vllm with
            {
                PrefillTokensPerSecond = prefillRate ?? deployment.Vllm.PrefillTokensPerSecond,
                StepOverhead = stepTime ?? deployment.Vllm.StepOverhead,
                KvCacheTokens = kvTokens ?? deployment.Vllm.KvCacheTokens,
                MaxNumSeqs = maxSeqs ?? deployment.Vllm.MaxNumSeqs,
                MaxBatchedTokens = batchedTokens ?? deployment.Vllm.MaxBatchedTokens,
            },
        };

        policies = policies with
        {
            RequestsHpaTarget = requestsTarget ?? (deployment.Server == ServerModel.Classic ? PolicyOptions.ClassicRequestsHpaTarget : PolicyOptions.VllmRequestsHpaTarget),

            // The classic preset's composite is the first reports' (pending requests, no capacity sizing).
            Capacity = classicPreset ? simulation.Policies.Capacity : policies.Capacity,
        };

        var ages = instantAges switch { true => SignalAges.Instant, false => new SignalAges(), null => simulation.Ages };
        ages = ages with
        {
            Pods = agePods is { } pods ? SignalAge.Every(pods) : ages.Pods,
            Prometheus = agePrometheus is { } prometheus ? SignalAge.Every(prometheus) : ages.Prometheus,
            Dcgm = agePrometheus is not null || ageDcgm is not null
                ? new SignalAge(agePrometheus ?? TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(7.5),
                    new SignalAge(ageDcgm ?? TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(7.5 + ((ageDcgm ?? TimeSpan.FromSeconds(30)).TotalSeconds / 2))))
                : ages.Dcgm,
        };
        if (ages.MaxAge > TimeSpan.FromMinutes(5))
        {
            errors.Add("--age-*: a signal may be at most 5m old in all (pods, Prometheus and DCGM stages together)");
        }

        foreach (var option in deployment.Server == ServerModel.Classic ? vllmOnly : classicOnly)
        {
            errors.Add($"{option}: applies to the {(deployment.Server == ServerModel.Classic ? "vllm" : "classic")} server model only; add --server {(deployment.Server == ServerModel.Classic ? "vllm" : "classic")}");
        }

        if (deployment.Server == ServerModel.Classic && deployment.Routing != Routing.Gateway)
        {
            errors.Add("--routing: the classic server model has only its gateway queue; use --server vllm for service or least-loaded routing");
        }

        if (deployment.Vllm.MaxBatchedTokens < deployment.Vllm.MaxNumSeqs)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"--max-batched-tokens: must be at least --max-num-seqs ({deployment.Vllm.MaxNumSeqs}), so that every running sequence can decode in each step"));
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
            Simulation = simulation with { Deployment = deployment, Policies = policies, Slo = slo, Warmup = warmup, Ages = ages, WarmStart = warmStart },
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
