using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace NvmlExporter.Metrics;

/// <summary>
/// Writes the Prometheus text exposition format (version 0.0.4) into a UTF-8 buffer: one HELP and
/// TYPE per family, then its samples. Label sets are preformatted strings so a device's labels are
/// escaped once per render, not once per sample.
/// </summary>
internal sealed class ExpositionWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public ExpositionWriter(int initialCapacity = 16 * 1024) => _buffer = new ArrayBufferWriter<byte>(initialCapacity);

    public ReadOnlyMemory<byte> Written => _buffer.WrittenMemory;

    public void Clear() => _buffer.ResetWrittenCount();

    public void Family(string name, string type, string help)
    {
        Ascii("# HELP ");
        Ascii(name);
        Ascii(" ");
        Utf8(EscapeHelp(help));
        Ascii("\n# TYPE ");
        Ascii(name);
        Ascii(" ");
        Ascii(type);
        Ascii("\n");
    }

    public void Sample(string name, string labels, double value)
    {
        SampleStart(name, labels);
        if (double.IsNaN(value))
        {
            Ascii("NaN");
        }
        else if (double.IsPositiveInfinity(value))
        {
            Ascii("+Inf");
        }
        else if (double.IsNegativeInfinity(value))
        {
            Ascii("-Inf");
        }
        else
        {
            var span = _buffer.GetSpan(32);
            value.TryFormat(span, out var written, "R", CultureInfo.InvariantCulture);
            _buffer.Advance(written);
        }

        Ascii("\n");
    }

    public void Sample(string name, string labels, ulong value)
    {
        SampleStart(name, labels);
        var span = _buffer.GetSpan(24);
        Utf8Formatter.TryFormat(value, span, out var written);
        _buffer.Advance(written);
        Ascii("\n");
    }

    public void Sample(string name, string labels, long value) => Sample(name, labels, (ulong)Math.Max(0, value));

    private void SampleStart(string name, string labels)
    {
        Ascii(name);
        if (labels.Length > 0)
        {
            Ascii("{");
            Utf8(labels);
            Ascii("}");
        }

        Ascii(" ");
    }

    private void Ascii(string text)
    {
        var span = _buffer.GetSpan(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }

        _buffer.Advance(text.Length);
    }

    private void Utf8(string text)
    {
        var span = _buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        _buffer.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    /// <summary>Formats <c>name="value",...</c> with values escaped (backslash, quote, newline). Empty values are left out, as Prometheus treats them as absent.</summary>
    public static string Labels(params ReadOnlySpan<(string Name, string? Value)> labels)
    {
        var builder = new StringBuilder(128);
        foreach (var (name, value) in labels)
        {
            AppendLabel(builder, name, value);
        }

        return builder.ToString();
    }

    public static void AppendLabel(StringBuilder builder, string name, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (builder.Length > 0)
        {
            builder.Append(',');
        }

        builder.Append(name).Append("=\"");
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => builder.Append("\\\\"),
                '"' => builder.Append("\\\""),
                '\n' => builder.Append("\\n"),
                _ => builder.Append(c),
            };
        }

        builder.Append('"');
    }

    private static string EscapeHelp(string help) => help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
