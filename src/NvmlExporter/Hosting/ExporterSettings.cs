using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using NvmlExporter.Metrics;

namespace NvmlExporter.Hosting;

/// <summary>
/// Reads <see cref="ExporterOptions"/> from the command line and the environment, collecting every
/// error with the setting's names and the expected form, so that a bad value stops start-up with a
/// message instead of a stack trace. Command-line flags win over environment variables.
/// </summary>
public sealed class ExporterSettings
{
    private static readonly (string Flag, string Env)[] Known =
    [
        ("interval", "NVML_EXPORTER_INTERVAL"),
        ("call-timeout", "NVML_EXPORTER_CALL_TIMEOUT"),
        ("listen", "NVML_EXPORTER_LISTEN"),
        ("kubernetes", "NVML_EXPORTER_KUBERNETES"),
        ("pod-resources-socket", "NVML_EXPORTER_POD_RESOURCES_SOCKET"),
        ("attribution-interval", "NVML_EXPORTER_ATTRIBUTION_INTERVAL"),
        ("library-path", "NVML_LIBRARY_PATH"),
        ("hostname", "NODE_NAME"),
        ("dcgm-hostname-label", "NVML_EXPORTER_DCGM_HOSTNAME_LABEL"),
        ("pod-series", "NVML_EXPORTER_POD_SERIES"),
    ];

    private ExporterSettings(ExporterOptions options, IReadOnlyList<string> errors)
    {
        Options = options;
        Errors = errors;
    }

    public ExporterOptions Options { get; }

    public IReadOnlyList<string> Errors { get; }

    public bool IsValid => Errors.Count == 0;

    /// <param name="args">Command-line arguments (<c>--interval 1s</c> or <c>--interval=1s</c>).</param>
    /// <param name="environment">Environment variables; only the names in <see cref="Known"/> are read.</param>
    public static ExporterSettings Parse(string[] args, IReadOnlyDictionary<string, string?> environment)
    {
        var errors = new List<string>();
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var flag = arg[2..].Split('=', 2)[0];
                if (!Known.Any(k => string.Equals(k.Flag, flag, StringComparison.OrdinalIgnoreCase)))
                {
                    errors.Add($"Unknown option '--{flag}'. Known options: {string.Join(", ", Known.Select(k => "--" + k.Flag))}.");
                }
            }
        }

        IConfiguration commandLine;
        try
        {
            commandLine = new ConfigurationBuilder().AddCommandLine(args).Build();
        }
        catch (FormatException ex)
        {
            errors.Add($"Cannot read the command line: {ex.Message}");
            commandLine = new ConfigurationBuilder().Build();
        }

        string? Value(string flag, string env, out string name)
        {
            var fromFlag = commandLine[flag];
            if (fromFlag is not null)
            {
                name = $"--{flag}";
                return fromFlag;
            }

            name = env;
            return environment.TryGetValue(env, out var fromEnv) && !string.IsNullOrEmpty(fromEnv) ? fromEnv : null;
        }

        void PositiveDuration(string flag, string env, string examples, Action<TimeSpan> set)
        {
            if (Value(flag, env, out var name) is not { } text)
            {
                return;
            }

            if (Durations.TryParse(text, out var value) && value > TimeSpan.Zero)
            {
                set(value);
            }
            else
            {
                errors.Add(Invalid(name, text, $"a positive duration such as {examples}"));
            }
        }

        var options = new ExporterOptions();
        PositiveDuration("interval", "NVML_EXPORTER_INTERVAL", "1s, 500ms or 2m", value => options.Interval = value);
        PositiveDuration("call-timeout", "NVML_EXPORTER_CALL_TIMEOUT", "5s or 10s", value => options.CallTimeout = value);
        PositiveDuration("attribution-interval", "NVML_EXPORTER_ATTRIBUTION_INTERVAL", "5s or 30s", value => options.AttributionInterval = value);
        if (Value("listen", "NVML_EXPORTER_LISTEN", out var source) is { } listen)
        {
            if (TryParseListen(listen, out var endpoint))
            {
                options.Listen = endpoint;
            }
            else
            {
                errors.Add(Invalid(source, listen, "host:port with an IP address or localhost, such as :9400, 0.0.0.0:9400, 127.0.0.1:9400 or [::]:9400"));
            }
        }

        if (Value("kubernetes", "NVML_EXPORTER_KUBERNETES", out source) is { } kubernetes)
        {
            if (bool.TryParse(kubernetes, out var value))
            {
                options.Attribution = value;
            }
            else
            {
                errors.Add(Invalid(source, kubernetes, "true or false"));
            }
        }

        if (Value("pod-resources-socket", "NVML_EXPORTER_POD_RESOURCES_SOCKET", out source) is { } socket)
        {
            if (Path.IsPathFullyQualified(socket))
            {
                options.PodResourcesSocket = socket;
            }
            else
            {
                errors.Add(Invalid(source, socket, "an absolute path such as /var/lib/kubelet/pod-resources/kubelet.sock"));
            }
        }

        if (Value("library-path", "NVML_LIBRARY_PATH", out source) is { } library)
        {
            if (CanRead(library, out var why))
            {
                options.LibraryPath = library;
            }
            else
            {
                errors.Add(Invalid(source, library, $"a readable NVML library file such as /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1 ({why})"));
            }
        }

        if (Value("hostname", "NODE_NAME", out _) is { } hostname)
        {
            options.Hostname = hostname;
        }

        if (Value("dcgm-hostname-label", "NVML_EXPORTER_DCGM_HOSTNAME_LABEL", out source) is { } hostnameLabel)
        {
            if (hostnameLabel is MetricsRenderer.DcgmHostnameLabelDefault or MetricsRenderer.DcgmHostnameLabelLowercase)
            {
                options.DcgmHostnameLabel = hostnameLabel;
            }
            else
            {
                errors.Add(Invalid(source, hostnameLabel, "Hostname (dcgm-exporter 4.8.2 and earlier) or hostname (later versions)"));
            }
        }

        if (Value("pod-series", "NVML_EXPORTER_POD_SERIES", out source) is { } podSeries)
        {
            switch (podSeries)
            {
                case "per-pod":
                    options.PodSeries = PodSeries.PerPod;
                    break;
                case "joined":
                    options.PodSeries = PodSeries.Joined;
                    break;
                default:
                    errors.Add(Invalid(source, podSeries, "per-pod (a copy of a shared device's series per container) or joined (one series per device, the containers joined with commas)"));
                    break;
            }
        }

        return new ExporterSettings(options, errors);
    }

    /// <summary>Environment variables the exporter reads, from the process environment.</summary>
    public static IReadOnlyDictionary<string, string?> ProcessEnvironment() =>
        Known.Select(k => k.Env).ToDictionary(name => name, Environment.GetEnvironmentVariable, StringComparer.Ordinal);

    private static string Invalid(string setting, string value, string expected) =>
        $"Invalid setting {setting}: '{value}' is not valid; expected {expected}.";

    private static bool CanRead(string path, out string why)
    {
        try
        {
            using var stream = File.OpenRead(path);
            why = string.Empty;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            why = ex.Message;
            return false;
        }
    }

    internal static bool TryParseListen(string text, out IPEndPoint endpoint)
    {
        endpoint = null!;
        var colon = text.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
        {
            return false;
        }

        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        IPAddress? address = host switch
        {
            "" or "*" or "+" => IPAddress.Any,
            "localhost" => IPAddress.Loopback,
            _ => IPAddress.TryParse(host, out var parsed) ? parsed : null,
        };
        if (address is null)
        {
            return false;
        }

        endpoint = new IPEndPoint(address, port);
        return true;
    }
}

/// <summary>Durations written like 1s, 500ms, 2m, 1h or 1m30s.</summary>
public static class Durations
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var span = text.AsSpan().Trim();
        var negative = span.StartsWith("-");
        if (negative || span.StartsWith("+"))
        {
            span = span[1..];
        }

        if (span.IsEmpty)
        {
            return false;
        }

        var total = 0.0;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && (char.IsAsciiDigit(span[digits]) || span[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || !double.TryParse(span[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            span = span[digits..];
            var unit = 0;
            while (unit < span.Length && char.IsAsciiLetter(span[unit]))
            {
                unit++;
            }

            double? scale = span[..unit] switch
            {
                "ms" => 1e-3,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                _ => null,
            };
            if (scale is null)
            {
                return false;
            }

            total += number * scale.Value;
            span = span[unit..];
        }

        value = TimeSpan.FromSeconds(negative ? -total : total);
        return true;
    }
}
