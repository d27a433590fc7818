using System.Text;
using Scaler.Signals.Keys;
using Scaler.Triggers;

namespace Scaler.Tests.Triggers;

/// <summary>
/// The key tables of README.md and docs/keda-metadata.md, written from the registered keys
/// (<see cref="TriggerKeyCatalog"/>): README one table (key, type, default, example), the docs one table per
/// <see cref="TriggerKeySection"/> with the meaning. Each table sits between <c>&lt;!-- keys:NAME --&gt;</c> and
/// <c>&lt;!-- /keys --&gt;</c> markers; <see cref="TriggerKeyDocsTests"/> keeps the files equal to this, and
/// rewrites them when run with <c>SCALER_WRITE_DOCS=1</c>.
/// </summary>
internal static class TriggerKeyTable
{
    /// <summary>The README's table: every key.</summary>
    public static string Readme(TriggerKeyCatalog keys) => Table(keys.All, meaning: false);

    /// <summary>The docs' table of one section.</summary>
    public static string Docs(TriggerKeyCatalog keys, TriggerKeySection section) => Table(keys.All.Where(k => k.Section == section), meaning: true);

    /// <summary>Every marked block of a file and what it should hold.</summary>
    public static IEnumerable<(string Marker, string Table)> Blocks(string file, TriggerKeyCatalog keys) => file switch
    {
        "README.md" => [("keys:all", Readme(keys))],
        _ => Enum.GetValues<TriggerKeySection>().Select(section => ($"keys:{section.ToString().ToLowerInvariant()}", Docs(keys, section))),
    };

    /// <summary><paramref name="text"/> with each marked block replaced by its table.</summary>
    public static string Rewrite(string text, IEnumerable<(string Marker, string Table)> blocks)
    {
        foreach (var (marker, table) in blocks)
        {
            var (start, end) = Find(text, marker);
            text = string.Concat(text.AsSpan(0, start), table, text.AsSpan(end));
        }

        return text;
    }

    /// <summary>The block between <c>&lt;!-- MARKER --&gt;\n</c> and <c>&lt;!-- /keys --&gt;</c>: its start and end.</summary>
    public static (int Start, int End) Find(string text, string marker)
    {
        var open = $"<!-- {marker} -->\n";
        var start = text.IndexOf(open, StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException($"no '{open.Trim()}' marker");
        }

        start += open.Length;
        var end = text.IndexOf("<!-- /keys -->", start, StringComparison.Ordinal);
        return end < 0 ? throw new InvalidOperationException($"no '<!-- /keys -->' after '{open.Trim()}'") : (start, end);
    }

    private static string Table(IEnumerable<TriggerKey> keys, bool meaning)
    {
        var table = new StringBuilder();
        table.Append(meaning ? "| Key | Type | Default | Example | Meaning |\n|---|---|---|---|---|\n" : "| Key | Type | Default | Example |\n|---|---|---|---|\n");
        foreach (var key in keys)
        {
            table.Append("| `").Append(key.Name).Append("` | ").Append(key.Type).Append(" | ").Append(key.Default)
                .Append(" | `").Append(key.Example.Replace("|", "\\|", StringComparison.Ordinal)).Append("` |");
            if (meaning)
            {
                table.Append(' ').Append(key.Meaning).Append(" |");
            }

            table.Append('\n');
        }

        return table.ToString();
    }
}
