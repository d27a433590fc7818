namespace Scaler.Decisions;

/// <summary>How many of the targets behind an aggregated reading answered (partial coverage is reported, not hidden).</summary>
/// <param name="Answered">Targets that answered.</param>
/// <param name="Expected">Targets that should have.</param>
/// <param name="Missing">Up to a few of those that did not, with why (for the explanation).</param>
internal sealed record Coverage(int Answered, int Expected, IReadOnlyList<string> Missing)
{
    public bool IsPartial => Answered < Expected;
}
