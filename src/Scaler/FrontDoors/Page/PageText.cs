using System.Globalization;
using System.Net;
using Scaler.Decisions;
using Scaler.FrontDoors.Keda;

namespace Scaler.FrontDoors.Page;

/// <summary>How the page writes values: every text HTML-encoded (names and metadata come from whoever calls the gRPC port), numbers invariant.</summary>
internal static class PageText
{
    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>The detail page of a ScaledObject; names travel in the query string, so any character survives.</summary>
    public static string WorkloadLink(TriggerId id) =>
        $"/workload?namespace={Uri.EscapeDataString(id.ScaledObject.Namespace)}&name={Uri.EscapeDataString(id.ScaledObject.Name)}";

    public static string Age(TimeSpan age) => age switch
    {
        { TotalSeconds: < 0 } => "0s",
        { TotalMinutes: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalSeconds}s"),
        { TotalHours: < 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalMinutes}m{age.Seconds}s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalHours}h{age.Minutes}m"),
    };

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string Number(double value) => !double.IsFinite(value) ? "–" : Math.Abs(value) switch
    {
        >= 1000 => value.ToString("#,0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.#", CultureInfo.InvariantCulture),
        _ => value.ToString("0.###", CultureInfo.InvariantCulture),
    };

    public static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The state a person reads first, in words (never by color alone), and its style class.</summary>
    public static (string Text, string Class) State(Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return decision switch
        {
            { CannotDecide: true } => ("cannot decide", "state-cannot"),
            { InFallback: true } => ("fallback", "state-fallback"),
            { Activity: Activity.Active } => ("active", "state-active"),
            { Activity: Activity.Inactive } => ("inactive", "state-inactive"),
            _ => ("unknown", "state-unknown"),
        };
    }

    /// <summary>How a reading stands, in the words the page uses: fresh, stale or unknown.</summary>
    public static (string Text, string Class) Status(SignalStatus status, bool known) => status switch
    {
        SignalStatus.Fresh when known => ("fresh", "status-fresh"),
        SignalStatus.Stale when known => ("stale", "status-stale"),
        _ => ("unknown", "status-unknown"),
    };
}
