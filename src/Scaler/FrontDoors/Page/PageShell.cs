using System.Text;

namespace Scaler.FrontDoors.Page;

/// <summary>What every page shares: the head (own stylesheet and script only), the header, and the <c>#content</c> element the script refreshes.</summary>
internal static class PageShell
{
    /// <summary>Seconds between in-place refreshes (and between reloads without the script).</summary>
    public const int RefreshSeconds = 5;

    public static StringBuilder Open(string title, DateTimeOffset now, string? beforeContent = null)
    {
        var html = new StringBuilder(16 * 1024);
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>").Append(PageText.Encode(title)).Append("</title>")
            .Append("<link rel=\"stylesheet\" href=\"").Append(PageAssets.StylesheetPath).Append("\">")
            .Append("<script src=\"").Append(PageAssets.ScriptPath).Append("\" defer></script>")
            .Append("<noscript><meta http-equiv=\"refresh\" content=\"").Append(RefreshSeconds * 2).Append("\"></noscript>")
            .Append("</head><body>\n<header><a class=\"brand\" href=\"/\">Scaler</a><span class=\"muted\">as of <span id=\"as-of\">")
            .Append(PageText.Encode(PageText.Stamp(now))).Append("</span></span>")
            .Append("<span class=\"muted\">JSON: <a href=\"/decisions\">/decisions</a> · metrics: <a href=\"/metrics\">/metrics</a></span></header>\n");
        if (beforeContent is not null)
        {
            html.Append(beforeContent);
        }

        return html.Append("<main id=\"content\" data-refresh=\"").Append(RefreshSeconds).Append("\">\n");
    }

    public static string Close(StringBuilder html)
    {
        ArgumentNullException.ThrowIfNull(html);
        return html.Append("</main>\n</body></html>\n").ToString();
    }
}
