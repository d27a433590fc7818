namespace Scaler.Simulation;

/// <summary>
/// The same comparison over many seeds of one trace shape: each row's figures as median and range, and
/// how often one row dominates another (no more GPU-hours and no more violations after warm-up, on the
/// same seed).
/// </summary>
internal sealed class SeedSummary
{
    private readonly Dictionary<string, List<SeedRow>> _rows = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>Seeds added.</summary>
    public int Seeds { get; private set; }

    /// <summary>Row names in the order first seen.</summary>
    public IReadOnlyList<string> Names => _order;

    /// <summary>Adds one seed's evaluation: its policies, the clairvoyant schedule and the fixed-count references.</summary>
    public void Add(Evaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        foreach (var result in evaluation.Policies)
        {
            Add(result.Name, result, evaluation);
        }

        var composite = evaluation.Policies.FirstOrDefault(r => r.Name.StartsWith(Policies.Composite, StringComparison.Ordinal));
        if (evaluation.CheapestFixedWithinBudget is { } budget)
        {
            Add(BestFixedName, budget, evaluation);
        }

        if (composite is not null && evaluation.CheapestFixedMatching(composite) is { } matching)
        {
            Add(MatchingFixedName, matching, evaluation);
        }

        Add(ClairvoyantPlanner.Name, evaluation.Clairvoyant.Result, evaluation);
        Seeds++;
    }

    /// <summary>Adds one row of one seed by hand (for rows outside an evaluation, and tests).</summary>
    public void Add(string name, PolicyResult result, Evaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(evaluation);
        Add(name, new SeedRow(Seeds, result.GpuHours, result.AfterWarmup.SloViolations, result.AfterWarmup.ViolationShare, evaluation.ToClairvoyant(result), evaluation.ToBound(result), result.P99WaitSeconds, FixedCount(result)));
    }

    public void Add(string name, SeedRow row)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_rows.TryGetValue(name, out var rows))
        {
            _rows[name] = rows = [];
            _order.Add(name);
        }

        rows.Add(row);
    }

    /// <summary>The cheapest fixed count with at most 1% violations after warm-up, per seed.</summary>
    public const string BestFixedName = "best fixed (<=1%)";

    /// <summary>The cheapest fixed count with no more violations after warm-up than the composite, per seed.</summary>
    public const string MatchingFixedName = "fixed = composite";

    public IReadOnlyList<SeedRow> Rows(string name) => _rows.TryGetValue(name, out var rows) ? rows : [];

    public Spread Of(string name, Func<SeedRow, double> figure) => Spread.Of(Rows(name).Select(figure));

    /// <summary>On how many seeds <paramref name="a"/> had no more GPU-hours and no more violations after warm-up than <paramref name="b"/>, of the seeds both have.</summary>
    public (int Dominated, int Seeds) Dominates(string a, string b)
    {
        var others = Rows(b).ToDictionary(r => r.Seed);
        int wins = 0, both = 0;
        foreach (var row in Rows(a))
        {
            if (others.TryGetValue(row.Seed, out var other))
            {
                both++;
                wins += row.GpuHours <= other.GpuHours + 1e-9 && row.Violations <= other.Violations ? 1 : 0;
            }
        }

        return (wins, both);
    }

    private static int? FixedCount(PolicyResult result) =>
        result.Name.StartsWith("fixed-", StringComparison.Ordinal) && int.TryParse(result.Name.AsSpan(6), out var n) ? n : null;
}
