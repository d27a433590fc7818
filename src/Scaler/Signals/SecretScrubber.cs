using System.Text.RegularExpressions;

namespace Scaler.Signals;

/// <summary>
/// Removes credentials from text that came from elsewhere (exception messages of transports, upstream
/// error bodies) before it becomes a reading reason or a log line: user info in URLs
/// (<c>amqp://user:pass@host</c>), <c>Authorization</c> header values, bearer and basic tokens.
/// Sources still keep their secrets out of messages they write themselves; this is the second fence.
/// </summary>
internal static partial class SecretScrubber
{
    public const string Mask = "***";

    public static string Scrub(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        text = UserInfo().Replace(text, "${scheme}" + Mask + "@");
        text = AuthorizationHeader().Replace(text, "${name}" + Mask);
        return Token().Replace(text, "${scheme}" + Mask);
    }

    /// <summary>Scrubs, and also removes every occurrence of the known secrets (a token or password the caller holds).</summary>
    public static string Scrub(string text, ReadOnlySpan<string?> secrets)
    {
        text = Scrub(text);
        foreach (var secret in secrets)
        {
            if (!string.IsNullOrEmpty(secret))
            {
                text = text.Replace(secret, Mask, StringComparison.Ordinal);
            }
        }

        return text;
    }

    // scheme://user:password@host -> scheme://***@host (user names can identify a tenant too).
    [GeneratedRegex(@"(?<scheme>\b[a-zA-Z][a-zA-Z0-9+.\-]*://)[^/@\s]+@")]
    private static partial Regex UserInfo();

    // "Authorization: Bearer abc", "authorization=Basic abc", "Proxy-Authorization: x"
    [GeneratedRegex(@"(?<name>\b(?:Proxy-)?Authorization\s*[:=]\s*)(?:(?:Bearer|Basic|Token)\s+)?[^\s,;""']+", RegexOptions.IgnoreCase)]
    private static partial Regex AuthorizationHeader();

    [GeneratedRegex(@"(?<scheme>\b(?:Bearer|Basic)\s+)[A-Za-z0-9\-._~+/]+=*", RegexOptions.IgnoreCase)]
    private static partial Regex Token();
}
