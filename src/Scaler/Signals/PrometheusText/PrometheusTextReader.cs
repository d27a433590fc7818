using System.Buffers;
using System.Globalization;
using System.Text;

namespace Scaler.Signals.PrometheusText;

/// <summary>
/// A forward-only reader of the Prometheus text exposition format (0.0.4) over UTF-8 bytes, built to
/// read a fleet of exporters cheaply: it allocates nothing per sample. <see cref="Read"/> returns each
/// sample's name, value and timestamp, and the label block as raw bytes; the caller filters on the name
/// and only then looks labels up (<see cref="PrometheusSample.TryGetLabel"/>), which re-scans the
/// already validated block instead of building a dictionary.
/// </summary>
/// <remarks>
/// <para>Every line is validated, including the lines of metrics the caller skips: a malformed document
/// is rejected whole with the line number (<see cref="PrometheusTextFormatException"/>), as Prometheus
/// rejects a scrape, rather than half read.</para>
/// <para>Accepted: <c>name[{label="value",...}] value [timestamp]</c>; names with colons (vLLM's
/// <c>vllm:num_requests_waiting</c>); label values with the escapes <c>\\</c>, <c>\"</c> and <c>\n</c>;
/// a trailing comma in the label block; values as Go's <c>ParseFloat</c> writes them, including
/// <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>; an integer timestamp in milliseconds; blank lines; comments,
/// <c># HELP</c> and <c># TYPE</c> (skipped, not checked); CRLF line ends; no newline after the last
/// line; a UTF-8 byte order mark. Not accepted: Prometheus 3's quoted UTF-8 metric names
/// (<c>{"my.metric"}</c>), which servers only send when a scraper negotiates them.</para>
/// </remarks>
internal ref struct PrometheusTextReader
{
    private static readonly SearchValues<byte> NameStart = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:"u8);
    private static readonly SearchValues<byte> NameChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_:0123456789"u8);
    private static readonly SearchValues<byte> LabelStart = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"u8);
    private static readonly SearchValues<byte> LabelChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"u8);
    private static readonly SearchValues<byte> QuoteOrBackslash = SearchValues.Create("\"\\"u8);

    private readonly ReadOnlySpan<byte> _text;
    private int _position;
    private int _line;

    public PrometheusTextReader(ReadOnlySpan<byte> text)
    {
        _text = text.StartsWith("\uFEFF"u8) ? text[3..] : text;
    }

    /// <summary>The 1-based number of the line the last sample came from (0 before the first).</summary>
    public readonly int LineNumber => _line;

    /// <summary>Moves to the next sample.</summary>
    /// <returns>False at the end of the text.</returns>
    /// <exception cref="PrometheusTextFormatException">A line is not a comment, blank, or a valid sample.</exception>
    public bool Read(out PrometheusSample sample)
    {
        while (_position < _text.Length)
        {
            var rest = _text[_position..];
            var end = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line;
            if (end < 0)
            {
                line = rest;
                _position = _text.Length;
            }
            else
            {
                line = rest[..end];
                _position += end + 1;
            }

            _line++;
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            line = TrimStart(line);
            if (line.IsEmpty || line[0] == (byte)'#')
            {
                continue;
            }

            sample = ParseSample(line, _line);
            return true;
        }

        sample = default;
        return false;
    }

    private static PrometheusSample ParseSample(ReadOnlySpan<byte> line, int lineNumber)
    {
        if (!NameStart.Contains(line[0]))
        {
            throw new PrometheusTextFormatException(lineNumber, "a metric name must start with a letter, '_' or ':'");
        }

        var nameLength = line.IndexOfAnyExcept(NameChars);
        if (nameLength < 0)
        {
            throw new PrometheusTextFormatException(lineNumber, "no value after the metric name");
        }

        var name = line[..nameLength];
        var afterName = line[nameLength..];
        var rest = TrimStart(afterName);
        var labels = ReadOnlySpan<byte>.Empty;
        if (!rest.IsEmpty && rest[0] == (byte)'{')
        {
            var length = ValidateLabels(rest, lineNumber);
            labels = rest[1..(length - 1)];
            rest = rest[length..];
        }
        else if (rest.Length == afterName.Length)
        {
            // The name ran into a character that can be neither in a name nor a separator.
            throw new PrometheusTextFormatException(lineNumber, $"unexpected character '{(char)rest[0]}' after the metric name");
        }

        var trimmed = TrimStart(rest);
        if (trimmed.IsEmpty)
        {
            throw new PrometheusTextFormatException(lineNumber, "no value");
        }

        var valueEnd = trimmed.IndexOfAny((byte)' ', (byte)'\t');
        var valueText = valueEnd < 0 ? trimmed : trimmed[..valueEnd];
        if (!TryParseValue(valueText, out var value))
        {
            throw new PrometheusTextFormatException(lineNumber, "the value is not a number");
        }

        long? timestamp = null;
        if (valueEnd >= 0)
        {
            var timestampText = TrimStart(trimmed[valueEnd..]);
            if (!timestampText.IsEmpty)
            {
                var timestampEnd = timestampText.IndexOfAny((byte)' ', (byte)'\t');
                if (timestampEnd >= 0)
                {
                    if (!TrimStart(timestampText[timestampEnd..]).IsEmpty)
                    {
                        throw new PrometheusTextFormatException(lineNumber, "unexpected text after the timestamp");
                    }

                    timestampText = timestampText[..timestampEnd];
                }

                if (!long.TryParse(timestampText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms))
                {
                    throw new PrometheusTextFormatException(lineNumber, "the timestamp is not an integer (milliseconds)");
                }

                timestamp = ms;
            }
        }

        return new PrometheusSample(name, labels, value, timestamp, lineNumber);
    }

    /// <summary>Checks the label block starting at <paramref name="text"/>[0] == '{'; returns its length including both braces.</summary>
    private static int ValidateLabels(ReadOnlySpan<byte> text, int lineNumber)
    {
        var i = 1;
        while (true)
        {
            i = SkipBlanks(text, i);
            if (i >= text.Length)
            {
                throw new PrometheusTextFormatException(lineNumber, "unterminated label block");
            }

            if (text[i] == (byte)'}')
            {
                return i + 1;
            }

            if (!LabelStart.Contains(text[i]))
            {
                throw new PrometheusTextFormatException(lineNumber, "a label name must start with a letter or '_'");
            }

            var nameLength = text[i..].IndexOfAnyExcept(LabelChars);
            if (nameLength < 0)
            {
                throw new PrometheusTextFormatException(lineNumber, "unterminated label block");
            }

            i = SkipBlanks(text, i + nameLength);
            if (i >= text.Length || text[i] != (byte)'=')
            {
                throw new PrometheusTextFormatException(lineNumber, "expected '=' after a label name");
            }

            i = SkipBlanks(text, i + 1);
            if (i >= text.Length || text[i] != (byte)'"')
            {
                throw new PrometheusTextFormatException(lineNumber, "a label value must be in double quotes");
            }

            i++;
            while (true)
            {
                var next = text[i..].IndexOfAny(QuoteOrBackslash);
                if (next < 0)
                {
                    throw new PrometheusTextFormatException(lineNumber, "unterminated label value");
                }

                i += next;
                if (text[i] == (byte)'"')
                {
                    i++;
                    break;
                }

                if (i + 1 >= text.Length || text[i + 1] is not ((byte)'\\' or (byte)'"' or (byte)'n'))
                {
                    throw new PrometheusTextFormatException(lineNumber, "invalid escape in a label value (only \\\\, \\\" and \\n)");
                }

                i += 2;
            }

            i = SkipBlanks(text, i);
            if (i >= text.Length)
            {
                throw new PrometheusTextFormatException(lineNumber, "unterminated label block");
            }

            if (text[i] == (byte)',')
            {
                i++;
            }
            else if (text[i] != (byte)'}')
            {
                throw new PrometheusTextFormatException(lineNumber, "expected ',' or '}' after a label value");
            }
        }
    }

    internal static bool TryParseValue(ReadOnlySpan<byte> text, out double value)
    {
        // Go's ParseFloat (what Prometheus uses) reads these case-insensitively; .NET's parser does not know "Inf".
        var unsigned = text.Length > 0 && text[0] is (byte)'+' or (byte)'-' ? text[1..] : text;
        if (Ascii.EqualsIgnoreCase(unsigned, "inf"u8) || Ascii.EqualsIgnoreCase(unsigned, "infinity"u8))
        {
            value = text[0] == (byte)'-' ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }

        if (Ascii.EqualsIgnoreCase(unsigned, "nan"u8))
        {
            value = double.NaN;
            return true;
        }

        // Float allows a sign, a decimal point and an exponent; no thousands separators, no hex.
        return double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value);
    }

    private static ReadOnlySpan<byte> TrimStart(ReadOnlySpan<byte> text)
    {
        var i = 0;
        while (i < text.Length && text[i] is (byte)' ' or (byte)'\t')
        {
            i++;
        }

        return text[i..];
    }

    private static int SkipBlanks(ReadOnlySpan<byte> text, int i)
    {
        while (i < text.Length && text[i] is (byte)' ' or (byte)'\t')
        {
            i++;
        }

        return i;
    }
}
