using System.Globalization;
using Scaler.Simulation;

namespace Scaler.Demo;

/// <summary>What <c>scaler demo</c> runs; every default is what the README's command runs.</summary>
internal sealed record DemoOptions
{
    public const string Usage = """
        scaler demo: the real Scaler (gRPC door, page, HTTPS) on a simulated vLLM deployment, in accelerated time.
        Simulated pods serve vLLM's metrics on their own loopback addresses (127.0.0.2, ...), GPU exporters serve the
        NvmlExporter's on 127.0.1.x:9400 (a second demo on the machine takes 127.1.x.x, and so on), and a KEDA-like
        loop asks the Scaler over gRPC and scales the deployment.
        Ctrl+C stops it.

          --speed N          demo seconds per real second, 1 to 100 (default 10)
          --generate SHAPE   load: steady, bursty or diurnal (default diurnal: one compressed day per --duration)
          --duration D       length of the generated load before the next one starts (default 1h)
          --seed N           the generator's seed (default 42; each next load uses the next seed)
          --max-replicas N   the ScaledObject's maximum, 1 to 16 (default 8)
          --startup D        from a new pod to ready (default 60s)
          --grpc-port N      the Scaler's gRPC port (default 9090; 0: any free port)
          --http-port N      the page's port (default 8080; 0: any free port)
          --https-port N     the HTTPS port (default 6443; 0: any free port)
          --pod-port N       the simulated pods' metrics port (default 8000, vLLM's; 0: any free port)
        Everything listens on loopback only.
        """;

    public bool Help { get; init; }

    public double Speed { get; init; } = 10;

    public TraceShape Shape { get; init; } = TraceShape.Diurnal;

    public TimeSpan Duration { get; init; } = TimeSpan.FromHours(1);

    public int Seed { get; init; } = 42;

    public int MaxReplicas { get; init; } = 8;

    public TimeSpan Startup { get; init; } = TimeSpan.FromSeconds(60);

    public int GrpcPort { get; init; } = 9090;

    public int HttpPort { get; init; } = 8080;

    public int HttpsPort { get; init; } = 6443;

    public int PodPort { get; init; } = 8000;

    /// <summary>Reads the arguments; every problem is reported, each naming its option and the form it expects.</summary>
    public static (DemoOptions Options, IReadOnlyList<string> Errors) Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new DemoOptions();
        var errors = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? arg[..equals] : arg;
            string? Value()
            {
                if (equals > 0 && arg.StartsWith("--", StringComparison.Ordinal))
                {
                    return arg[(equals + 1)..];
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
                case "--help" or "-h":
                    options = options with { Help = true };
                    break;
                case "--speed":
                    if (Value() is { } speed)
                    {
                        if (double.TryParse(speed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) && s is >= 1 and <= 100)
                        {
                            options = options with { Speed = s };
                        }
                        else
                        {
                            errors.Add($"--speed: expected a number from 1 to 100 such as 10; got '{speed}'");
                        }
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
                            errors.Add($"--generate: expected steady, bursty or diurnal; got '{shape}'");
                        }
                    }

                    break;
                case "--duration":
                    if (Value() is { } duration)
                    {
                        if (SimulateOptionsParser.ParseDuration(duration, allowZero: false) is { } d && d >= TimeSpan.FromMinutes(1))
                        {
                            options = options with { Duration = d };
                        }
                        else
                        {
                            errors.Add($"--duration: expected a duration of 1m or more such as 20m or 1h; got '{duration}'");
                        }
                    }

                    break;
                case "--startup":
                    if (Value() is { } startup)
                    {
                        if (SimulateOptionsParser.ParseDuration(startup, allowZero: true) is { } d && d <= TimeSpan.FromMinutes(30))
                        {
                            options = options with { Startup = d };
                        }
                        else
                        {
                            errors.Add($"--startup: expected a duration from 0s to 30m such as 60s; got '{startup}'");
                        }
                    }

                    break;
                case "--seed":
                    options = options with { Seed = Whole(name, Value(), 0, int.MaxValue, "a whole number such as 42", errors) ?? options.Seed };
                    break;
                case "--max-replicas":
                    options = options with { MaxReplicas = Whole(name, Value(), 1, 16, "a whole number from 1 to 16 such as 8", errors) ?? options.MaxReplicas };
                    break;
                case "--grpc-port":
                    options = options with { GrpcPort = Port(name, Value(), errors) ?? options.GrpcPort };
                    break;
                case "--http-port":
                    options = options with { HttpPort = Port(name, Value(), errors) ?? options.HttpPort };
                    break;
                case "--https-port":
                    options = options with { HttpsPort = Port(name, Value(), errors) ?? options.HttpsPort };
                    break;
                case "--pod-port":
                    options = options with { PodPort = Port(name, Value(), errors) ?? options.PodPort };
                    break;
                default:
                    errors.Add($"{arg}: unknown option");
                    break;
            }
        }

        return (options, errors);
    }

    private static int? Port(string name, string? text, List<string> errors) =>
        Whole(name, text, 0, 65535, "a port number from 1 to 65535, or 0 for any free port", errors);

    private static int? Whole(string name, string? text, int min, int max, string expected, List<string> errors)
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
}
