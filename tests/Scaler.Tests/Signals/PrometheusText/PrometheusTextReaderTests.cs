using System.Globalization;
using System.Text;
using Scaler.Signals.PrometheusText;

namespace Scaler.Tests.Signals.PrometheusText;

/// <summary>The text-format reader: what it accepts, what it rejects (with the line), and label lookups.</summary>
public class PrometheusTextReaderTests
{
    /// <summary>Reads every sample as <c>name{k=v,...} value [@timestamp]</c>, label values unescaped (a newline shown as ⏎).</summary>
    internal static List<string> ReadAll(string text)
    {
        var samples = new List<string>();
        var reader = new PrometheusTextReader(Encoding.UTF8.GetBytes(text));
        while (reader.Read(out var sample))
        {
            var line = new StringBuilder(sample.NameString);
            if (sample.HasLabels)
            {
                line.Append('{').AppendJoin(',', Labels(sample)).Append('}');
            }

            line.Append(' ').Append(sample.Value.ToString("R", CultureInfo.InvariantCulture));
            if (sample.TimestampMs is { } ts)
            {
                line.Append(" @").Append(ts.ToString(CultureInfo.InvariantCulture));
            }

            samples.Add(line.ToString());
        }

        return samples;
    }

    private static List<string> Labels(PrometheusSample sample)
    {
        var labels = new List<string>();
        foreach (var label in sample.Labels)
        {
            labels.Add($"{Encoding.UTF8.GetString(label.Name)}={label.Value.ToString().Replace("\n", "⏎", StringComparison.Ordinal)}");
        }

        return labels;
    }

    [Theory]
    // a bare sample
    [InlineData("a 1", new[] { "a 1" })]
    // labels
    [InlineData("a{b=\"c\",d=\"e\"} 2", new[] { "a{b=c,d=e} 2" })]
    // a trailing comma in the label block is allowed
    [InlineData("a{b=\"c\",} 3", new[] { "a{b=c} 3" })]
    // an empty label block
    [InlineData("a{} 4", new[] { "a 4" })]
    // blanks around label tokens
    [InlineData("a{ b = \"c\" , d=\"e\" } 5", new[] { "a{b=c,d=e} 5" })]
    // the three escapes: backslash, quote, newline
    [InlineData("a{b=\"x\\\\y\\\"z\\nw\"} 1", new[] { "a{b=x\\y\"z⏎w} 1" })]
    // braces, commas and '#' inside a quoted value are text
    [InlineData("a{b=\"}, #{\"} 1", new[] { "a{b=}, #{} 1" })]
    // UTF-8 in a label value
    [InlineData("a{model=\"Ünïcode-模型\"} 1", new[] { "a{model=Ünïcode-模型} 1" })]
    // colons in names (vLLM)
    [InlineData("vllm:num_requests_waiting{model_name=\"m\"} 4", new[] { "vllm:num_requests_waiting{model_name=m} 4" })]
    // special values, case-insensitive like Go's ParseFloat
    [InlineData("a NaN\nb +Inf\nc -Inf\nd Inf\ne nan\nf -inf", new[] { "a NaN", "b Infinity", "c -Infinity", "d Infinity", "e NaN", "f -Infinity" })]
    // number forms: exponent, sign, leading dot, integer
    [InlineData("a 1e3\nb -0.5\nc .5\nd 85520809984\ne 1.5E-3", new[] { "a 1000", "b -0.5", "c 0.5", "d 85520809984", "e 0.0015" })]
    // timestamps, also negative, with trailing blanks
    [InlineData("a 1 1700000000000\nb{c=\"d\"} 2 -5  ", new[] { "a 1 @1700000000000", "b{c=d} 2 @-5" })]
    // HELP, TYPE, other comments and blank lines are skipped
    [InlineData("# HELP a The a.\n# TYPE a gauge\n\n# just a comment\na 1\n\n", new[] { "a 1" })]
    // CRLF line ends
    [InlineData("# TYPE a gauge\r\na 1\r\nb 2\r\n", new[] { "a 1", "b 2" })]
    // no newline after the last line
    [InlineData("a 1\nb 2", new[] { "a 1", "b 2" })]
    // leading blanks and tabs as separators
    [InlineData("  a\t1\n\t# comment\nb{c=\"d\"}\t2", new[] { "a 1", "b{c=d} 2" })]
    // no blank needed between the label block and the value
    [InlineData("a{b=\"c\"}7", new[] { "a{b=c} 7" })]
    // an empty document
    [InlineData("", new string[0])]
    // a byte order mark
    [InlineData("\uFEFFa 1", new[] { "a 1" })]
    public void Read_ValidText_YieldsEverySample(string text, string[] expected)
    {
        Assert.Equal(expected, ReadAll(text));
    }

    [Theory]
    // a name and no value
    [InlineData("a", 1, "no value after the metric name")]
    // labels and no value
    [InlineData("a{b=\"c\"}", 1, "no value")]
    // labels and only blanks
    [InlineData("a{b=\"c\"}   ", 1, "no value")]
    // the label block is not closed
    [InlineData("a{b=\"c\" 1", 1, "expected ',' or '}' after a label value")]
    // the value's quote is not closed
    [InlineData("a{b=\"c} 1", 1, "unterminated label value")]
    // an unquoted value
    [InlineData("a{b=c} 1", 1, "a label value must be in double quotes")]
    // an unknown escape
    [InlineData("a{b=\"\\x\"} 1", 1, "invalid escape")]
    // no '=' after a label name
    [InlineData("a{b \"c\"} 1", 1, "expected '=' after a label name")]
    // a label name starting with a digit
    [InlineData("a{1b=\"c\"} 1", 1, "a label name must start")]
    // a metric name starting with a digit
    [InlineData("1a 1", 1, "a metric name must start")]
    // a character that cannot be in a name
    [InlineData("a-b 1", 1, "unexpected character '-'")]
    // not a number
    [InlineData("a abc", 1, "the value is not a number")]
    // a decimal comma
    [InlineData("a 1,5", 1, "the value is not a number")]
    // hex is not a Prometheus value
    [InlineData("a 0x10", 1, "the value is not a number")]
    // a fractional timestamp
    [InlineData("a 1 1.5", 1, "the timestamp is not an integer")]
    // something after the timestamp
    [InlineData("a 1 2 3", 1, "unexpected text after the timestamp")]
    // the line number counts comments, blank lines and CRLF lines
    [InlineData("# HELP a x\r\n\r\na 1\r\nb{\r\n", 4, "unterminated label block")]
    // a newline inside a label value ends the line: the value is unterminated
    [InlineData("a{b=\"x\ny\"} 1", 1, "unterminated label value")]
    public void Read_MalformedLine_ThrowsWithLineNumber(string text, int line, string problem)
    {
        var e = Assert.Throws<PrometheusTextFormatException>(() => ReadAll(text));

        Assert.Equal(line, e.LineNumber);
        Assert.StartsWith(problem, e.Problem, StringComparison.Ordinal);
        Assert.StartsWith($"line {line}: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryGetLabel_PresentAbsentAndDuplicated_FindsTheFirst()
    {
        var reader = new PrometheusTextReader("a{pod=\"vllm-0\",namespace=\"llm\",pod=\"other\"} 1"u8);
        Assert.True(reader.Read(out var sample));

        Assert.True(sample.TryGetLabel("pod"u8, out var pod));
        Assert.True(pod.ValueEquals("vllm-0"u8));
        Assert.True(sample.TryGetLabel("namespace"u8, out var ns));
        Assert.Equal("llm", ns.ToString());
        Assert.False(sample.TryGetLabel("container"u8, out _));
        Assert.False(sample.TryGetLabel("po"u8, out _));
    }

    [Theory]
    // no escapes: compared as bytes
    [InlineData("a{m=\"llama\"} 1", "llama", true)]
    // escapes are undone before comparing
    [InlineData("a{m=\"say \\\"hi\\\"\"} 1", "say \"hi\"", true)]
    // the raw text is not the value
    [InlineData("a{m=\"a\\\\b\"} 1", "a\\\\b", false)]
    // a prefix is not equal
    [InlineData("a{m=\"llama-3\"} 1", "llama", false)]
    public void ValueEquals_EscapedOrNot_ComparesTheUnescapedValue(string text, string expected, bool equal)
    {
        var reader = new PrometheusTextReader(Encoding.UTF8.GetBytes(text));
        Assert.True(reader.Read(out var sample));
        Assert.True(sample.TryGetLabel("m"u8, out var value));

        Assert.Equal(equal, value.ValueEquals(Encoding.UTF8.GetBytes(expected)));
        Span<char> chars = stackalloc char[64];
        Assert.True(value.TryDecode(chars, out var written));
        Assert.Equal(equal, chars[..written].SequenceEqual(expected));
    }

    [Fact]
    public void Read_RealNvmlExporterOutput_ReadsEverySeries()
    {
        var samples = ReadAll(ExporterOutput.TwoGpusOneMig);

        Assert.Equal(ExporterOutput.TwoGpusOneMig.Split('\n').Count(l => l.Length > 0 && l[0] != '#'), samples.Count);
        Assert.Contains("gpu_utilization_percent{gpu=0,uuid=GPU-00000000-1111-4222-8333-000000000000,pci_bus_id=00000000:17:00.0,device=nvidia0,model_name=NVIDIA H100 80GB HBM3,hostname=vm} 10", samples);
        Assert.Contains(samples, s => s.StartsWith("gpu_memory_used_bytes{", StringComparison.Ordinal) && s.Contains("gpu_instance_id=7", StringComparison.Ordinal) && s.EndsWith(" 536870912", StringComparison.Ordinal));
        Assert.Contains("nvml_exporter_sample_duration_seconds_bucket{le=+Inf} 4", samples);
    }
}
