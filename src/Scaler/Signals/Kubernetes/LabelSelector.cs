using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Scaler.Signals.Kubernetes;

/// <summary>The operators of a label requirement, as Kubernetes defines them for label selectors.</summary>
internal enum SelectorOperator
{
    /// <summary><c>key=value</c>, <c>key==value</c>, <c>key in (a,b)</c>: the label exists and has one of the values.</summary>
    In,

    /// <summary><c>key!=value</c>, <c>key notin (a,b)</c>: the label is absent or has none of the values.</summary>
    NotIn,

    /// <summary><c>key</c>: the label exists.</summary>
    Exists,

    /// <summary><c>!key</c>: the label does not exist.</summary>
    DoesNotExist,
}

/// <summary>One requirement of a selector; all requirements of a selector must hold (comma is AND).</summary>
internal sealed record SelectorRequirement(string Key, SelectorOperator Operator, IReadOnlyList<string> Values)
{
    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        string? value = null;
        var has = labels is not null && labels.TryGetValue(Key, out value);
        return Operator switch
        {
            SelectorOperator.In => has && HasValue(value!),
            SelectorOperator.NotIn => !has || !HasValue(value!),
            SelectorOperator.Exists => has,
            SelectorOperator.DoesNotExist => !has,
            _ => false,
        };
    }

    private bool HasValue(string value)
    {
        for (var i = 0; i < Values.Count; i++)
        {
            if (string.Equals(Values[i], value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() => Operator switch
    {
        SelectorOperator.In when Values.Count == 1 => $"{Key}={Values[0]}",
        SelectorOperator.In => $"{Key} in ({string.Join(',', Values)})",
        SelectorOperator.NotIn when Values.Count == 1 => $"{Key}!={Values[0]}",
        SelectorOperator.NotIn => $"{Key} notin ({string.Join(',', Values)})",
        SelectorOperator.Exists => Key,
        _ => $"!{Key}",
    };
}

/// <summary>
/// A Kubernetes label selector: parsed from the string form (<c>a=b,c!=d,e in (x,y),e notin (z),f,!g</c>, the
/// syntax of <c>kubectl -l</c> and of a trigger's <c>podSelector</c>) or built from a workload's
/// <c>spec.selector</c> (<c>matchLabels</c> and <c>matchExpressions</c>). An empty selector matches every pod.
/// </summary>
internal sealed partial class LabelSelector
{
    /// <summary>What a valid selector looks like, for error messages.</summary>
    public const string ExpectedForm =
        "expected comma-separated requirements such as 'app=vllm', 'tier!=batch', 'env in (prod,staging)', 'env notin (dev)', 'gpu' (label exists) or '!canary' (label absent)";

    public static readonly LabelSelector Everything = new([]);

    private LabelSelector(IReadOnlyList<SelectorRequirement> requirements) => Requirements = requirements;

    public IReadOnlyList<SelectorRequirement> Requirements { get; }

    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        foreach (var requirement in Requirements)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The canonical string form (what <c>kubectl</c> would accept).</summary>
    public override string ToString() => string.Join(',', Requirements);

    /// <summary>Parses the string form; throws <see cref="FormatException"/> whose message names <paramref name="settingName"/> and the expected form.</summary>
    public static LabelSelector Parse(string text, string settingName = "podSelector") =>
        TryParse(text, settingName, out var selector, out var error) ? selector : throw new FormatException(error);

    /// <summary>Parses the string form; on failure <paramref name="error"/> names <paramref name="settingName"/>, what is wrong and the expected form.</summary>
    public static bool TryParse(string? text, string settingName, [NotNullWhen(true)] out LabelSelector? selector, [NotNullWhen(false)] out string? error)
    {
        selector = null;
        var problem = ParseRequirements(text ?? "", out var requirements);
        if (problem is not null)
        {
            error = $"{settingName} '{Triggers.ErrorText.Quote(text)}' is not a valid label selector: {problem}; {ExpectedForm}";
            return false;
        }

        error = null;
        selector = requirements.Count == 0 ? Everything : new LabelSelector(requirements);
        return true;
    }

    /// <summary>
    /// The selector of a workload's <c>spec.selector</c>. A null selector matches nothing in Kubernetes, so
    /// it is an error here (the caller reports it); an empty one matches everything.
    /// </summary>
    public static bool TryFromSpec(V1LabelSelector? spec, [NotNullWhen(true)] out LabelSelector? selector, [NotNullWhen(false)] out string? error)
    {
        selector = null;
        if (spec is null)
        {
            error = "spec.selector is missing";
            return false;
        }

        var requirements = new List<SelectorRequirement>();
        foreach (var (key, value) in spec.MatchLabels ?? new Dictionary<string, string>())
        {
            requirements.Add(new SelectorRequirement(key, SelectorOperator.In, [value ?? ""]));
        }

        foreach (var expression in spec.MatchExpressions ?? [])
        {
            string[] values = expression.Values?.ToArray() ?? [];
            SelectorOperator? op = expression.OperatorProperty switch
            {
                "In" => SelectorOperator.In,
                "NotIn" => SelectorOperator.NotIn,
                "Exists" => SelectorOperator.Exists,
                "DoesNotExist" => SelectorOperator.DoesNotExist,
                _ => null,
            };
            if (op is null || string.IsNullOrEmpty(expression.Key))
            {
                error = $"spec.selector.matchExpressions has an unsupported operator '{expression.OperatorProperty}' for key '{expression.Key}' (expected In, NotIn, Exists or DoesNotExist)";
                return false;
            }

            if (op is SelectorOperator.In or SelectorOperator.NotIn && values.Length == 0)
            {
                error = $"spec.selector.matchExpressions for key '{expression.Key}' needs values with operator {expression.OperatorProperty}";
                return false;
            }

            requirements.Add(new SelectorRequirement(expression.Key, op.Value, op is SelectorOperator.Exists or SelectorOperator.DoesNotExist ? [] : values));
        }

        error = null;
        selector = requirements.Count == 0 ? Everything : new LabelSelector(requirements);
        return true;
    }

    // The grammar of k8s.io/apimachinery labels.Parse, restricted to the operators a pod selector needs
    // (=, ==, !=, in, notin, exists, !exists); numeric gt/lt are rejected with a clear message.
    private static string? ParseRequirements(string text, out List<SelectorRequirement> requirements)
    {
        requirements = [];
        var position = 0;
        SkipSpaces(text, ref position);
        if (position == text.Length)
        {
            return null;
        }

        while (true)
        {
            SkipSpaces(text, ref position);
            var negated = position < text.Length && text[position] == '!';
            if (negated)
            {
                position++;
                SkipSpaces(text, ref position);
            }

            var key = ReadToken(text, ref position);
            if (key.Length == 0)
            {
                return position < text.Length
                    ? $"expected a label key at position {position + 1}, found '{text[position]}'"
                    : $"expected a label key at position {position + 1} (end of text)";
            }

            if (ValidateKey(key) is { } keyProblem)
            {
                return keyProblem;
            }

            SkipSpaces(text, ref position);
            if (negated)
            {
                requirements.Add(new SelectorRequirement(key, SelectorOperator.DoesNotExist, []));
            }
            else if (position == text.Length || text[position] == ',')
            {
                requirements.Add(new SelectorRequirement(key, SelectorOperator.Exists, []));
            }
            else if (text[position] == '=' || text[position] == '!')
            {
                var notEqual = text[position] == '!';
                if (notEqual && (position + 1 >= text.Length || text[position + 1] != '='))
                {
                    return $"expected '!=' after key '{key}'";
                }

                position += notEqual || (position + 1 < text.Length && text[position + 1] == '=') ? 2 : 1;
                SkipSpaces(text, ref position);
                var value = ReadToken(text, ref position);
                if (ValidateValue(value) is { } valueProblem)
                {
                    return valueProblem;
                }

                requirements.Add(new SelectorRequirement(key, notEqual ? SelectorOperator.NotIn : SelectorOperator.In, [value]));
            }
            else if (text[position] is '<' or '>')
            {
                return $"the numeric operator '{text[position]}' on key '{Triggers.ErrorText.Quote(key)}' is not supported";
            }
            else
            {
                var word = ReadToken(text, ref position);
                if (word is not ("in" or "notin"))
                {
                    return $"expected '=', '==', '!=', 'in' or 'notin' after key '{key}', found '{(word.Length > 0 ? word : text[position].ToString())}'";
                }

                SkipSpaces(text, ref position);
                if (position == text.Length || text[position] != '(')
                {
                    return $"expected '(' after '{key} {word}'";
                }

                position++;
                var values = new List<string>();
                while (true)
                {
                    SkipSpaces(text, ref position);
                    var value = ReadToken(text, ref position);
                    if (ValidateValue(value) is { } valueProblem)
                    {
                        return valueProblem;
                    }

                    values.Add(value);
                    SkipSpaces(text, ref position);
                    if (position < text.Length && text[position] == ',')
                    {
                        position++;
                        continue;
                    }

                    if (position < text.Length && text[position] == ')')
                    {
                        position++;
                        break;
                    }

                    return $"expected ',' or ')' in the value list of '{key} {word}'";
                }

                requirements.Add(new SelectorRequirement(key, word == "in" ? SelectorOperator.In : SelectorOperator.NotIn, values));
            }

            SkipSpaces(text, ref position);
            if (position == text.Length)
            {
                return null;
            }

            if (text[position] != ',')
            {
                return $"expected ',' between requirements at position {position + 1}, found '{text[position]}'";
            }

            position++;
        }
    }

    private static void SkipSpaces(string text, ref int position)
    {
        while (position < text.Length && char.IsWhiteSpace(text[position]))
        {
            position++;
        }
    }

    private static string ReadToken(string text, ref int position)
    {
        var start = position;
        while (position < text.Length && !char.IsWhiteSpace(text[position]) && text[position] is not (',' or '=' or '!' or '(' or ')' or '<' or '>'))
        {
            position++;
        }

        return text[start..position];
    }

    // Label keys are an optional DNS-subdomain prefix and '/', then a name of at most 63 characters of
    // alphanumerics, '-', '_' and '.', starting and ending alphanumeric. Values are empty or such a name.
    private static string? ValidateKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0 && (slash == 0 || slash > 253 || !PrefixPattern().IsMatch(key[..slash])))
        {
            return $"the label key '{Triggers.ErrorText.Quote(key)}' has an invalid prefix (a DNS subdomain such as 'app.kubernetes.io')";
        }

        return name.Length is > 0 and <= 63 && NamePattern().IsMatch(name)
            ? null
            : $"the label key '{Triggers.ErrorText.Quote(key)}' is invalid (at most 63 characters: letters, digits, '-', '_', '.', starting and ending with a letter or digit)";
    }

    private static string? ValidateValue(string value) =>
        value.Length == 0 || (value.Length <= 63 && NamePattern().IsMatch(value))
            ? null
            : $"the label value '{Triggers.ErrorText.Quote(value)}' is invalid (at most 63 characters: letters, digits, '-', '_', '.', starting and ending with a letter or digit)";

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex PrefixPattern();
}
