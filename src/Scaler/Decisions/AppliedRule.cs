namespace Scaler.Decisions;

/// <summary>A rule that changed the count from <paramref name="From"/> to <paramref name="To"/>.</summary>
internal sealed record AppliedRule(Rule Rule, int From, int To, string Detail);
