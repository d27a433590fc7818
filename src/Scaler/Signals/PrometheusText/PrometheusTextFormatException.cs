namespace Scaler.Signals.PrometheusText;

/// <summary>A line of a scraped document is not valid Prometheus text format; the message names the line and what is wrong, never its content.</summary>
internal sealed class PrometheusTextFormatException : FormatException
{
    public PrometheusTextFormatException(int lineNumber, string problem)
        : base($"line {lineNumber}: {problem}")
    {
        LineNumber = lineNumber;
        Problem = problem;
    }

    public PrometheusTextFormatException()
    {
    }

    public PrometheusTextFormatException(string message)
        : base(message)
    {
    }

    public PrometheusTextFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int LineNumber { get; }

    public string Problem { get; } = "";
}
