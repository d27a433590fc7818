namespace Scaler.Simulation;

/// <summary>The JSON shape of <c>scaler simulate --format json</c>.</summary>
/// <param name="Policies">The policies compared.</param>
/// <param name="Limit">The lower bound and the clairvoyant schedule.</param>
/// <param name="Fixed">Every fixed replica count from 1 to the maximum.</param>
/// <param name="CheapestFixedWithinBudget">The cheapest fixed count with at most 1% violations after warm-up; null when none.</param>
/// <param name="CheapestFixedMatchingComposite">The cheapest fixed count with no more violations after warm-up than the composite.</param>
internal sealed record JsonReport(
    IReadOnlyList<JsonPolicy> Policies,
    JsonLimit Limit,
    IReadOnlyList<JsonPolicy> Fixed,
    string? CheapestFixedWithinBudget,
    string? CheapestFixedMatchingComposite);
