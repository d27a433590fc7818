namespace Scaler.Signals.Keys;

/// <summary>
/// One trigger metadata key (the user's API): its name, what the docs' key tables say about it, the form an
/// error message shows, and the names users carry over from KEDA's built-in scalers. Declared by whoever
/// owns the key: a source for its own keys, the trigger parser for the workload and policy keys.
/// </summary>
/// <param name="Name">The key, case-sensitive (<c>prometheusAddress</c>).</param>
/// <param name="Type">The docs' type column (<c>http(s) URL</c>).</param>
/// <param name="Default">The docs' default column: a literal in backticks (<c>`5`</c>) when leaving the key out means that value.</param>
/// <param name="Example">The docs' example column, without backticks.</param>
/// <param name="Meaning">The docs' meaning column.</param>
/// <param name="Form">What an error says is expected, with an example.</param>
internal sealed record TriggerKey(string Name, string Type, string Default, string Example, string Meaning, string Form)
{
    /// <summary>The value may hold a credential (a URI's user info, a token): it is never repeated in an error.</summary>
    public bool Secret { get; init; }

    /// <summary>What the key is used with, for its "only used with …" error; null: with its source's <see cref="ITriggerKeys.Usage"/>.</summary>
    public string? UsedWith { get; init; }

    /// <summary>Keys of KEDA's built-in scalers (or ScaledObject fields) that mean this one; each is refused naming this key.</summary>
    public IReadOnlyList<string> Habits { get; init; } = [];

    /// <summary>Which table of the docs lists the key.</summary>
    public TriggerKeySection Section { get; init; } = TriggerKeySection.Signals;
}
