namespace Scaler.Simulation;

/// <summary>
/// Everything measured on one trace: each policy, every fixed replica count from 1 to the maximum, and
/// the limit (a lower bound on GPU-hours and a clairvoyant schedule replayed).
/// </summary>
internal sealed record Evaluation(
    SimulationOptions Options,
    IReadOnlyList<PolicyResult> Policies,
    IReadOnlyList<PolicyResult> Fixed,
    BoundResult Bound,
    ClairvoyantResult Clairvoyant)
{
    /// <summary>Most requests over the objective after warm-up that still counts as meeting it: 1%.</summary>
    public const double ViolationBudget = 0.01;

    /// <summary>The cheapest fixed count with at most 1% of requests over the objective after warm-up; null when none reaches it.</summary>
    public PolicyResult? CheapestFixedWithinBudget =>
        Fixed.Where(r => r.AfterWarmup.ViolationShare <= ViolationBudget).MinBy(r => r.GpuHours);

    /// <summary>The cheapest fixed count with no more violations after warm-up than <paramref name="policy"/>; null when none.</summary>
    public PolicyResult? CheapestFixedMatching(PolicyResult policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return Fixed.Where(r => r.AfterWarmup.SloViolations <= policy.AfterWarmup.SloViolations).MinBy(r => r.GpuHours);
    }

    /// <summary>GPU-hours as a multiple of the lower bound.</summary>
    public double ToBound(PolicyResult result) => Ratio(result, Bound.GpuHours);

    /// <summary>GPU-hours as a multiple of the clairvoyant schedule's.</summary>
    public double ToClairvoyant(PolicyResult result) => Ratio(result, Clairvoyant.Result.GpuHours);

    private static double Ratio(PolicyResult result, double reference)
    {
        ArgumentNullException.ThrowIfNull(result);
        return reference > 0 ? result.GpuHours / reference : double.NaN;
    }
}
