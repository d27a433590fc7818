using System.Collections.Immutable;
using System.Globalization;

namespace Scaler.Simulation;

/// <summary>
/// Reads the Azure LLM inference trace CSV (<c>TIMESTAMP,ContextTokens,GeneratedTokens</c>; Azure Public
/// Dataset, CC-BY 4.0, Patel et al., "Splitwise", ISCA 2024). Arrivals become seconds from the first request.
/// </summary>
internal static class AzureTraceReader
{
    public const string Header = "TIMESTAMP,ContextTokens,GeneratedTokens";

    private static readonly string[] TimestampFormats =
    [
        "yyyy-MM-dd HH:mm:ss.FFFFFFF",
        "yyyy-MM-dd HH:mm:ss",
        "yyyy-MM-ddTHH:mm:ss.FFFFFFF",
        "yyyy-MM-ddTHH:mm:ss",
    ];

    /// <summary>Reads a file; throws <see cref="TraceFormatException"/> naming the line on bad input.</summary>
    public static Trace Read(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader, Path.GetFileName(path));
    }

    public static Trace Read(TextReader reader, string name)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var header = reader.ReadLine();
        if (header is null || !string.Equals(header.Trim().TrimStart('\uFEFF'), Header, StringComparison.OrdinalIgnoreCase))
        {
            throw new TraceFormatException($"{name}: line 1: expected the header '{Header}', got '{header}'");
        }

        var rows = new List<(DateTime At, int Context, int Generated)>();
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(',');
            if (fields.Length != 3)
            {
                throw new TraceFormatException($"{name}: line {lineNumber}: expected 3 fields, got {fields.Length}");
            }

            if (!DateTime.TryParseExact(fields[0].Trim(), TimestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
            {
                throw new TraceFormatException($"{name}: line {lineNumber}: TIMESTAMP '{fields[0]}' is not like 2023-11-16 18:17:03.9799600");
            }

            if (!int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var context) ||
                !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var generated))
            {
                throw new TraceFormatException($"{name}: line {lineNumber}: ContextTokens and GeneratedTokens must be whole numbers");
            }

            rows.Add((at, context, generated));
        }

        if (rows.Count == 0)
        {
            throw new TraceFormatException($"{name}: no requests after the header");
        }

        // The published files are sorted; sorting anyway keeps the simulator's invariant without trusting it.
        rows.Sort((a, b) => a.At.CompareTo(b.At));
        var start = rows[0].At;
        var requests = rows.Select(r => new TraceRequest((r.At - start).TotalSeconds, r.Context, r.Generated)).ToImmutableArray();
        return new Trace(name, requests);
    }
}

/// <summary>A trace file that does not match the expected format.</summary>
internal sealed class TraceFormatException : Exception
{
    public TraceFormatException()
    {
    }

    public TraceFormatException(string message)
        : base(message)
    {
    }

    public TraceFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
