using System.Text;

namespace Scaler.Signals.PrometheusText;

/// <summary>
/// One sample as <see cref="PrometheusTextReader"/> found it: views into the scraped bytes, valid until
/// the buffer is reused. The label block has been validated; looking a label up scans it again (a
/// handful of labels per line), which is cheaper than building a dictionary for every sample.
/// </summary>
internal readonly ref struct PrometheusSample
{
    private readonly ReadOnlySpan<byte> _labels;

    public PrometheusSample(ReadOnlySpan<byte> name, ReadOnlySpan<byte> labels, double value, long? timestampMs, int lineNumber)
    {
        Name = name;
        _labels = labels;
        Value = value;
        TimestampMs = timestampMs;
        LineNumber = lineNumber;
    }

    /// <summary>The metric name, UTF-8 (ASCII by the format's grammar).</summary>
    public ReadOnlySpan<byte> Name { get; }

    public double Value { get; }

    /// <summary>The optional timestamp, in milliseconds since the Unix epoch.</summary>
    public long? TimestampMs { get; }

    public int LineNumber { get; }

    public bool HasLabels => !_labels.IsEmpty;

    public bool NameIs(ReadOnlySpan<byte> name) => Name.SequenceEqual(name);

    /// <summary>Finds the first label called <paramref name="name"/> (UTF-8, e.g. <c>"pod"u8</c>).</summary>
    public bool TryGetLabel(ReadOnlySpan<byte> name, out PrometheusLabelValue value)
    {
        foreach (var label in Labels)
        {
            if (label.Name.SequenceEqual(name))
            {
                value = label.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    public LabelEnumerator Labels => new(_labels);

    public string NameString => Encoding.UTF8.GetString(Name);

    /// <summary>Walks a validated label block: <c>name="value"</c> pairs with optional blanks and a trailing comma.</summary>
    public ref struct LabelEnumerator
    {
        private readonly ReadOnlySpan<byte> _text;
        private int _position;

        public LabelEnumerator(ReadOnlySpan<byte> text)
        {
            _text = text;
            _position = 0;
            Current = default;
        }

        public PrometheusLabel Current { get; private set; }

        public readonly LabelEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            var text = _text;
            var i = Skip(text, _position);
            if (i >= text.Length)
            {
                return false;
            }

            var nameStart = i;
            while (text[i] is not ((byte)'=' or (byte)' ' or (byte)'\t'))
            {
                i++;
            }

            var name = text[nameStart..i];
            while (text[i] != (byte)'"')
            {
                i++;
            }

            var valueStart = ++i;
            var escaped = false;
            while (text[i] != (byte)'"')
            {
                if (text[i] == (byte)'\\')
                {
                    escaped = true;
                    i++;
                }

                i++;
            }

            Current = new PrometheusLabel(name, new PrometheusLabelValue(text[valueStart..i], escaped));
            _position = i + 1;
            return true;
        }

        private static int Skip(ReadOnlySpan<byte> text, int i)
        {
            while (i < text.Length && text[i] is (byte)' ' or (byte)'\t' or (byte)',')
            {
                i++;
            }

            return i;
        }
    }
}

/// <summary>A label of a sample: its name and its (still escaped) value.</summary>
internal readonly ref struct PrometheusLabel(ReadOnlySpan<byte> name, PrometheusLabelValue value)
{
    public ReadOnlySpan<byte> Name { get; } = name;

    public PrometheusLabelValue Value { get; } = value;
}

/// <summary>
/// A label value as written between the quotes. Most values have no escapes, and then comparing or
/// decoding works on the bytes as they are; otherwise <c>\\</c>, <c>\"</c> and <c>\n</c> are undone first.
/// </summary>
internal readonly ref struct PrometheusLabelValue(ReadOnlySpan<byte> raw, bool hasEscapes)
{
    /// <summary>The bytes between the quotes, escapes included.</summary>
    public ReadOnlySpan<byte> Raw { get; } = raw;

    public bool HasEscapes { get; } = hasEscapes;

    /// <summary>Whether the unescaped value equals <paramref name="utf8"/>.</summary>
    public bool ValueEquals(ReadOnlySpan<byte> utf8)
    {
        if (!HasEscapes)
        {
            return Raw.SequenceEqual(utf8);
        }

        if (utf8.Length > Raw.Length)
        {
            return false;
        }

        Span<byte> buffer = Raw.Length <= 256 ? stackalloc byte[Raw.Length] : new byte[Raw.Length];
        return buffer[..Unescape(buffer)].SequenceEqual(utf8);
    }

    /// <summary>Writes the unescaped UTF-8 value into <paramref name="destination"/> (at least <see cref="Raw"/>'s length); returns its length.</summary>
    public int Unescape(Span<byte> destination)
    {
        if (!HasEscapes)
        {
            Raw.CopyTo(destination);
            return Raw.Length;
        }

        var written = 0;
        for (var i = 0; i < Raw.Length; i++)
        {
            var b = Raw[i];
            if (b == (byte)'\\')
            {
                i++;
                b = Raw[i] == (byte)'n' ? (byte)'\n' : Raw[i];
            }

            destination[written++] = b;
        }

        return written;
    }

    /// <summary>Decodes the unescaped value into <paramref name="destination"/>; false when it does not fit.</summary>
    public bool TryDecode(Span<char> destination, out int written)
    {
        if (!HasEscapes)
        {
            return Encoding.UTF8.TryGetChars(Raw, destination, out written);
        }

        Span<byte> buffer = Raw.Length <= 256 ? stackalloc byte[Raw.Length] : new byte[Raw.Length];
        return Encoding.UTF8.TryGetChars(buffer[..Unescape(buffer)], destination, out written);
    }

    public override string ToString()
    {
        if (!HasEscapes)
        {
            return Encoding.UTF8.GetString(Raw);
        }

        Span<byte> buffer = Raw.Length <= 256 ? stackalloc byte[Raw.Length] : new byte[Raw.Length];
        return Encoding.UTF8.GetString(buffer[..Unescape(buffer)]);
    }
}
