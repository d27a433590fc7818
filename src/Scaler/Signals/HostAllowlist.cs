using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Scaler.Signals;

/// <summary>
/// The servers trigger metadata may point the Scaler at, so that a ScaledObject cannot make it connect anywhere
/// (and carry configured credentials there). Entries: <c>host</c> (any port), <c>host:port</c>,
/// <c>*.suffix</c> (any host under that domain, not the domain itself), <c>*.suffix:port</c>; IPv6 in
/// brackets (<c>[fd00::1]:9090</c>). Hosts compare case-insensitively as written (no DNS lookup, no CIDR): list
/// the names the triggers use. An empty list allows every host.
/// </summary>
internal sealed class HostAllowlist
{
    private readonly Entry[] _entries;

    private HostAllowlist(Entry[] entries) => _entries = entries;

    /// <summary>Allows every host (no list configured).</summary>
    public static HostAllowlist Any { get; } = new([]);

    /// <summary>True when no list is configured.</summary>
    public bool AllowsAny => _entries.Length == 0;

    /// <summary>The allowlist <paramref name="entries"/> describe; false with one error per bad entry, each naming <paramref name="setting"/>.</summary>
    public static bool TryCreate(IEnumerable<string>? entries, string setting, [NotNullWhen(true)] out HostAllowlist? allowlist, out IReadOnlyList<string> errors)
    {
        var parsed = new List<Entry>();
        var problems = new List<string>();
        var index = 0;
        foreach (var text in entries ?? [])
        {
            if (Entry.TryParse(text, out var entry))
            {
                parsed.Add(entry);
            }
            else
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{setting}:{index}: expected host, host:port, *.domain or *.domain:port (IPv6 in brackets), got '{text}'"));
            }

            index++;
        }

        errors = problems;
        allowlist = problems.Count == 0 ? new HostAllowlist([.. parsed]) : null;
        return allowlist is not null;
    }

    /// <summary><see cref="TryCreate"/> that throws an <see cref="InvalidOperationException"/> naming every bad entry (options are validated at start, so this is a backstop).</summary>
    public static HostAllowlist Create(IEnumerable<string>? entries, string setting) =>
        TryCreate(entries, setting, out var allowlist, out var errors) ? allowlist : throw new InvalidOperationException(string.Join("; ", errors));

    /// <summary>Whether <paramref name="host"/> (IPv6 with or without brackets) on <paramref name="port"/> is allowed.</summary>
    public bool Allows(string host, int port)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (_entries.Length == 0)
        {
            return true;
        }

        var name = Normalize(host);
        foreach (var entry in _entries)
        {
            if (entry.Matches(name, port))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Lower case without brackets or a trailing dot; an IPv6 address in its canonical form.</summary>
    private static string Normalize(string host)
    {
        var bare = host.Trim('[', ']').TrimEnd('.').ToLowerInvariant();
        return bare.Contains(':', StringComparison.Ordinal) && System.Net.IPAddress.TryParse(bare, out var address) ? address.ToString() : bare;
    }

    /// <summary>One entry: an exact host or a domain suffix (with its leading dot), and a port or any.</summary>
    private readonly record struct Entry(string Host, bool Suffix, int? Port)
    {
        public bool Matches(string host, int port) =>
            (Port is null || Port == port)
            && (Suffix ? host.Length > Host.Length && host.EndsWith(Host, StringComparison.Ordinal) : string.Equals(host, Host, StringComparison.Ordinal));

        public static bool TryParse(string? text, out Entry entry)
        {
            entry = default;
            text = text?.Trim();
            if (string.IsNullOrEmpty(text) || text.Contains('/', StringComparison.Ordinal) || text.Contains('@', StringComparison.Ordinal))
            {
                return false;
            }

            var suffix = text.StartsWith("*.", StringComparison.Ordinal);
            var rest = suffix ? text[1..] : text;
            string host;
            int? port = null;
            if (!suffix && rest.StartsWith('['))
            {
                // [IPv6] or [IPv6]:port
                var close = rest.IndexOf(']', StringComparison.Ordinal);
                if (close < 2 || !System.Net.IPAddress.TryParse(rest[1..close], out _))
                {
                    return false;
                }

                host = rest[1..close];
                if (close + 1 < rest.Length && (rest[close + 1] != ':' || !TryPort(rest[(close + 2)..], out port)))
                {
                    return false;
                }
            }
            else
            {
                var colon = rest.LastIndexOf(':');
                if (colon >= 0 && (rest.IndexOf(':', StringComparison.Ordinal) != colon || !TryPort(rest[(colon + 1)..], out port)))
                {
                    // More than one colon is an IPv6 address without brackets: ambiguous with a port.
                    return false;
                }

                host = colon >= 0 ? rest[..colon] : rest;
                var name = suffix ? host[1..] : host;
                if (name.Length == 0 || Uri.CheckHostName(name) is UriHostNameType.Unknown or UriHostNameType.Basic)
                {
                    return false;
                }
            }

            // A suffix keeps its leading dot, so *.monitoring matches a.monitoring but not evilmonitoring.
            entry = new Entry(Normalize(host), suffix, port);
            return true;
        }

        private static bool TryPort(string text, out int? port)
        {
            port = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is > 0 and <= 65535 ? value : null;
            return port is not null;
        }
    }
}
