using System.Collections.Frozen;
using Scaler.Signals.Keys;

namespace Scaler.Triggers;

/// <summary>
/// Every trigger key: the workload key, the registered sources' keys (in registration order, a shared key
/// once) and the policy keys; and what to do with a key that is none of them. The docs' key tables are this
/// list (a test keeps them equal).
/// </summary>
internal sealed class TriggerKeyCatalog
{
    private readonly FrozenDictionary<string, string> _habits;

    public TriggerKeyCatalog(IEnumerable<ITriggerKeys> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var keys = new List<TriggerKey> { WorkloadKeys.PodSelectorKey };
        foreach (var source in sources)
        {
            keys.AddRange(source.Keys.Where(key => !keys.Exists(known => known.Name == key.Name)));
        }

        keys.AddRange(PolicyKeys.Keys);
        All = keys;
        ByName = keys.ToFrozenDictionary(key => key.Name, StringComparer.Ordinal);
        _habits = keys.SelectMany(key => key.Habits.Select(habit => (habit, key.Name)))
            .ToFrozenDictionary(pair => pair.habit, pair => pair.Name, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Every key, in the docs' order within each <see cref="TriggerKeySection"/>.</summary>
    public IReadOnlyList<TriggerKey> All { get; }

    public FrozenDictionary<string, TriggerKey> ByName { get; }

    /// <summary>
    /// What to do with a key that is not exactly one of ours: null to ignore it (keys that look like nothing of
    /// ours, so other tools can annotate triggers), or an error for a key that looks like ours but is not
    /// (another casing, a typo within two edits, a built-in scaler's name for the same thing).
    /// </summary>
    public string? Unknown(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_habits.TryGetValue(key, out var meant))
        {
            return $"{key}: not a key of this scaler; did you mean {meant}?";
        }

        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in All)
        {
            var distance = Distance(key, candidate.Name);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate.Name, distance);
            }
        }

        // Keys are camelCase and matched exactly; another casing is the commonest slip (YAML from docs, Helm).
        return best is null ? null : bestDistance switch
        {
            0 => $"{key}: not a key of this scaler (keys are case-sensitive); did you mean {best}?",
            <= 2 when key.Length >= 5 => $"{key}: not a key of this scaler; did you mean {best}?",
            _ => null,
        };
    }

    // Optimal string alignment distance, case-insensitive (ASCII): edits, plus swaps of neighbours.
    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 2)
        {
            return int.MaxValue;
        }

        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1
                    && char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 2])
                    && char.ToLowerInvariant(a[i - 2]) == char.ToLowerInvariant(b[j - 1]))
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
