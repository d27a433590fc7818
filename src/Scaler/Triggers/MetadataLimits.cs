using System.Globalization;
using System.Text.RegularExpressions;

namespace Scaler.Triggers;

/// <summary>
/// The sizes a trigger's identity and metadata may have (docs/keda-metadata.md, "Limits"), checked before
/// anything is parsed, so a megabyte of metadata is refused in microseconds and never reaches a cache key, a
/// metric label, a log line or a page. Errors name the key and the limit and never repeat the value.
/// </summary>
internal static partial class MetadataLimits
{
    /// <summary>A namespace is a DNS-1123 label: at most 63 characters.</summary>
    public const int MaxNamespaceLength = 63;

    /// <summary>An object name is a DNS-1123 subdomain: at most 253 characters.</summary>
    public const int MaxNameLength = 253;

    /// <summary>Most keys in one trigger's metadata (ours, KEDA's and any other tool's together).</summary>
    public const int MaxKeys = 100;

    /// <summary>The longest key name (a Kubernetes annotation key: a 253-character prefix, '/', a 63-character name).</summary>
    public const int MaxKeyLength = 317;

    /// <summary>The longest value of one of the Scaler's keys (a PromQL query is the longest such value in practice).</summary>
    public const int MaxValueLength = 4 * 1024;

    /// <summary>The longest value of a key that is not the Scaler's (KEDA's own, such as an inline PEM <c>caCert</c>).</summary>
    public const int MaxOtherValueLength = 16 * 1024;

    /// <summary>All keys and values together.</summary>
    public const int MaxTotalLength = 64 * 1024;

    /// <summary>
    /// Every problem with the sizes of <paramref name="scaledObject"/> and <paramref name="metadata"/>; empty when
    /// within the limits. <paramref name="isOurs"/> tells the Scaler's keys from the others.
    /// </summary>
    public static List<string> Check(ScaledObjectKey scaledObject, IReadOnlyDictionary<string, string> metadata, Func<string, bool> isOurs)
    {
        ArgumentNullException.ThrowIfNull(scaledObject);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(isOurs);
        var errors = new List<string>();
        CheckName("scaledObjectRef.namespace", scaledObject.Namespace, MaxNamespaceLength, DnsLabel(), "a Kubernetes namespace (a DNS-1123 label: lower-case letters, digits and '-')", errors);
        CheckName("scaledObjectRef.name", scaledObject.Name, MaxNameLength, DnsSubdomain(), "a Kubernetes object name (a DNS-1123 subdomain: lower-case letters, digits, '-' and '.')", errors);
        if (metadata.Count > MaxKeys)
        {
            errors.Add(Invariant($"metadata: at most {MaxKeys} keys, got {metadata.Count}"));
            return errors;
        }

        long total = 0;
        foreach (var (key, value) in metadata)
        {
            var valueLength = value?.Length ?? 0;
            total += key.Length + valueLength;
            if (key.Length > MaxKeyLength)
            {
                errors.Add(Invariant($"metadata: a key of {key.Length} characters (starting '{ErrorText.Quote(key, 40)}'); at most {MaxKeyLength}"));
                continue;
            }

            var limit = isOurs(key) ? MaxValueLength : MaxOtherValueLength;
            if (valueLength > limit)
            {
                errors.Add(Invariant($"{key}: at most {limit} characters, got {valueLength} (the value is not repeated)"));
            }
        }

        if (total > MaxTotalLength)
        {
            errors.Add(Invariant($"metadata: at most {MaxTotalLength} characters in all keys and values together, got {total}"));
        }

        return errors;
    }

    private static void CheckName(string field, string? value, int maxLength, Regex form, string expected, List<string> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            // Reported by the parser with the other required fields.
            return;
        }

        if (value.Length > maxLength)
        {
            errors.Add(Invariant($"{field}: expected {expected}, at most {maxLength} characters; got {value.Length} characters (not repeated)"));
        }
        else if (!form.IsMatch(value))
        {
            errors.Add($"{field}: expected {expected}, got '{ErrorText.Quote(value)}'");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsSubdomain();
}
