using System.Text.RegularExpressions;

namespace Deploy.Tests.Monitoring;

/// <summary>
/// Just enough PromQL reading to list the metric names an expression selects (promtool checks that it
/// parses): strings, label matchers, ranges and grouping clauses are removed; what remains that is an
/// identifier not followed by '(' and not a keyword is a metric name. Grafana's variables are replaced
/// by values that keep the expression valid.
/// </summary>
internal static partial class PromQl
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "inf", "nan", "Inf", "NaN",
    };

    /// <summary>A Grafana panel expression as Prometheus would receive it: $__rate_interval and friends become durations, $var a regex.</summary>
    public static string FromGrafana(string expression) =>
        GrafanaVariable().Replace(
            expression.Replace("$__rate_interval", "5m", StringComparison.Ordinal).Replace("$__interval", "1m", StringComparison.Ordinal).Replace("$__range", "1h", StringComparison.Ordinal),
            ".*");

    public static IReadOnlySet<string> MetricNames(string expression)
    {
        var text = Strings().Replace(expression, "\"\"");
        text = Matchers().Replace(text, " ");
        text = Ranges().Replace(text, " ");
        text = Grouping().Replace(text, " ");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in Identifier().Matches(text))
        {
            var name = match.Groups[1].Value;
            var next = text[(match.Index + match.Length)..].TrimStart();
            if (!next.StartsWith('(') && !Keywords.Contains(name))
            {
                names.Add(name);
            }
        }

        return names;
    }

    [GeneratedRegex(@"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")]
    private static partial Regex GrafanaVariable();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'")]
    private static partial Regex Strings();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Matchers();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex Ranges();

    [GeneratedRegex(@"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex Grouping();

    [GeneratedRegex(@"(?<![A-Za-z0-9_:.])([A-Za-z_:][A-Za-z0-9_:]*)")]
    private static partial Regex Identifier();
}
