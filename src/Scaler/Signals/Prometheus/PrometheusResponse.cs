using System.Globalization;
using System.Text.Json;
using Scaler.Decisions;

namespace Scaler.Signals.Prometheus;

/// <summary>
/// Turns an answer of <c>GET /api/v1/query</c> into a reading. The rules (docs/signals.md has the table):
/// a scalar or a one-series vector is a value; empty, NaN, ±Inf, more than one series, a range vector,
/// a 4xx and an unparsable body are unavailable with the reason; a 5xx throws, so it is retried.
/// </summary>
internal static class PrometheusResponse
{
    /// <param name="secrets">The query's credentials: an error text that echoes one (a proxy repeating the header) loses it.</param>
    public static Reading Parse(int statusCode, ReadOnlySpan<byte> body, bool treatEmptyAsZero, DateTimeOffset now, IReadOnlyList<string>? secrets = null)
    {
        secrets ??= [];
        if (statusCode >= 500)
        {
            throw new SignalSourceException(ReadFailure.ServerError, Invariant($"Prometheus answered HTTP {statusCode}{ErrorSuffix(body, secrets)}"));
        }

        if (statusCode is 401 or 403)
        {
            return Reading.Unavailable(ReadFailure.Rejected, Invariant($"Prometheus refused the credentials (HTTP {statusCode})"));
        }

        if (statusCode >= 300)
        {
            return Reading.Unavailable(ReadFailure.Rejected, Invariant($"Prometheus rejected the query (HTTP {statusCode}){ErrorSuffix(body, secrets)}"));
        }

        try
        {
            return ParseSuccess(body, treatEmptyAsZero, now, secrets);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or IndexOutOfRangeException)
        {
            return Reading.Unavailable(ReadFailure.Malformed, "malformed response: not a Prometheus query result");
        }
    }

    private static Reading ParseSuccess(ReadOnlySpan<byte> body, bool treatEmptyAsZero, DateTimeOffset now, IReadOnlyList<string> secrets)
    {
        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            return Reading.Unavailable(ReadFailure.Rejected, "Prometheus answered status error" + ErrorText(root, secrets));
        }

        var data = root.GetProperty("data");
        var type = data.GetProperty("resultType").GetString();
        var result = data.GetProperty("result");
        switch (type)
        {
            case "scalar":
                return Value(result, now);
            case "vector":
                var count = result.GetArrayLength();
                if (count == 0)
                {
                    return treatEmptyAsZero
                        ? Reading.Fresh(0, now)
                        : Reading.Unavailable(ReadFailure.Empty, "query returned no series (empty result); an empty result is unknown, not 0, unless the trigger opts in");
                }

                if (count > 1)
                {
                    return Reading.Unavailable(ReadFailure.MultipleValues, Invariant($"error: query must return one series, got {count}; aggregate it (sum, max, ...)"));
                }

                return Value(result[0].GetProperty("value"), now);
            default:
                return Reading.Unavailable(ReadFailure.MultipleValues, $"error: query must return a scalar or an instant vector, got {type}");
        }
    }

    /// <summary>A sample <c>[unixTime, "value"]</c>; Prometheus writes special values as <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>.</summary>
    private static Reading Value(JsonElement sample, DateTimeOffset now)
    {
        var text = sample[1].GetString() ?? throw new FormatException("null sample value");
        var value = text switch
        {
            "NaN" => double.NaN,
            "+Inf" or "Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return double.IsFinite(value)
            ? Reading.Fresh(value, now)
            : Reading.Unavailable(ReadFailure.NotFinite, $"query returned {text}, not a number a decision can use");
    }

    private static string ErrorSuffix(ReadOnlySpan<byte> body, IReadOnlyList<string> secrets)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            return ErrorText(document.RootElement, secrets);
        }
        catch (JsonException)
        {
            // Not Prometheus' JSON (a proxy's page): its text is not ours to repeat.
            return "";
        }
    }

    private static string ErrorText(JsonElement root, IReadOnlyList<string> secrets)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return "";
        }

        var type = root.TryGetProperty("errorType", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        if (error is null)
        {
            return "";
        }

        // Prometheus quotes the query back in parse errors; cap what an operator reads in an explanation.
        if (error.Length > 500)
        {
            error = error[..500] + "...";
        }

        return SecretScrubber.Scrub(type is null ? $": {error}" : $": {type}: {error}", secrets.ToArray());
    }

    private static string Invariant(ref System.Runtime.CompilerServices.DefaultInterpolatedStringHandler handler) =>
        string.Create(CultureInfo.InvariantCulture, ref handler);
}
