using System.Text;

namespace Deploy.Tests.Support;

/// <summary>One instruction of a Dockerfile, continuation lines joined.</summary>
internal sealed record Instruction(string Keyword, string Arguments);

/// <summary>A build stage: <c>FROM image AS name</c> and what follows it up to the next FROM.</summary>
internal sealed record Stage(string Name, string Image, IReadOnlyList<Instruction> Instructions)
{
    public IEnumerable<string> All(string keyword) =>
        Instructions.Where(i => i.Keyword.Equals(keyword, StringComparison.OrdinalIgnoreCase)).Select(i => i.Arguments);
}

/// <summary>Just enough of the Dockerfile syntax to check the repository's own Dockerfile without a Docker engine.</summary>
internal static class Dockerfile
{
    public static IReadOnlyList<Stage> Parse(string text)
    {
        var stages = new List<Stage>();
        List<Instruction>? current = null;
        foreach (var line in LogicalLines(text))
        {
            var parts = line.Split(' ', 2, StringSplitOptions.TrimEntries);
            var instruction = new Instruction(parts[0].ToUpperInvariant(), parts.Length > 1 ? parts[1] : string.Empty);
            if (instruction.Keyword == "FROM")
            {
                var from = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var name = from.Length >= 3 && from[^2].Equals("AS", StringComparison.OrdinalIgnoreCase) ? from[^1] : stages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                current = [];
                stages.Add(new Stage(name, from.First(t => !t.StartsWith("--", StringComparison.Ordinal)), current));
            }
            else
            {
                // Instructions before the first FROM (global ARGs) belong to no stage.
                current?.Add(instruction);
            }
        }

        return stages;
    }

    /// <summary>The arguments of a COPY or ADD that copy from the build context (no --from): the sources, then the destination.</summary>
    public static string[] ContextCopy(string arguments)
    {
        var tokens = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return tokens.Any(t => t.StartsWith("--from=", StringComparison.Ordinal))
            ? []
            : [.. tokens.Where(t => !t.StartsWith("--", StringComparison.Ordinal))];
    }

    private static IEnumerable<string> LogicalLines(string text)
    {
        var pending = new StringBuilder();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.TrimStart().StartsWith('#') || (pending.Length == 0 && string.IsNullOrWhiteSpace(line)))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                pending.Append(line[..^1]).Append(' ');
                continue;
            }

            pending.Append(line);
            yield return pending.ToString().Trim();
            pending.Clear();
        }
    }
}
