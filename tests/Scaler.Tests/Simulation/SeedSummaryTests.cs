using Scaler.Simulation;

namespace Scaler.Tests.Simulation;

/// <summary>How results over many seeds are summarized: median and range, domination counts, fixed-count choices.</summary>
public class SeedSummaryTests
{
    [Theory]
    // odd count: the middle value
    [InlineData(new[] { 3.0, 1, 2 }, 2, 1, 3)]
    // even count: the mean of the two middle values
    [InlineData(new[] { 4.0, 1, 3, 2 }, 2.5, 1, 4)]
    // NaN (a ratio to a zero reference) is left out
    [InlineData(new[] { 5.0, double.NaN, 7 }, 6, 5, 7)]
    public void Spread_Of_MedianAndRange(double[] values, double median, double min, double max)
    {
        var spread = Spread.Of(values);

        Assert.Equal((median, min, max), (spread.Median, spread.Min, spread.Max));
        Assert.Equal("2.50 (1.00–4.00)", Spread.Of([4.0, 1, 3, 2]).Format("0.00"));
    }

    [Fact]
    public void Spread_Of_NothingIsADash()
    {
        Assert.Equal("-", Spread.Of([]).Format("0.0"));
    }

    [Fact]
    public void Dominates_CountsSeedsWithNoMoreCostAndNoMoreViolations()
    {
        var summary = new SeedSummary();
        // seed 0: a cheaper, fewer violations -> dominates; seed 1: a cheaper, more violations -> not;
        // seed 2: equal on both -> dominates (no more of either); seed 3: only a ran.
        summary.Add("a", new SeedRow(0, 2.0, 10, 0, 1, 1, 1, null));
        summary.Add("b", new SeedRow(0, 3.0, 12, 0, 1, 1, 1, null));
        summary.Add("a", new SeedRow(1, 2.0, 20, 0, 1, 1, 1, null));
        summary.Add("b", new SeedRow(1, 3.0, 12, 0, 1, 1, 1, null));
        summary.Add("a", new SeedRow(2, 3.0, 12, 0, 1, 1, 1, null));
        summary.Add("b", new SeedRow(2, 3.0, 12, 0, 1, 1, 1, null));
        summary.Add("a", new SeedRow(3, 1.0, 0, 0, 1, 1, 1, null));

        Assert.Equal((2, 3), summary.Dominates("a", "b"));
        Assert.Equal((1, 3), summary.Dominates("b", "a"));
        Assert.Equal(2, summary.Of("a", r => r.GpuHours).Median);
    }

    [Fact]
    public void Add_Evaluation_KeepsPoliciesFixedReferencesAndTheClairvoyant()
    {
        var trace = TraceGenerator.Generate(TraceShape.Steady, 8, TimeSpan.FromMinutes(10));
        var summary = new SeedSummary();

        summary.Add(Evaluator.Run(trace, new SimulationOptions()));

        Assert.Equal(1, summary.Seeds);
        Assert.Contains(ClairvoyantPlanner.Name, summary.Names);
        Assert.Contains(Policies.RequestsHpa, summary.Names);
        Assert.Contains(SeedSummary.BestFixedName, summary.Names);
        Assert.Equal(1.0, summary.Rows(ClairvoyantPlanner.Name)[0].ToClairvoyant, 9);
        Assert.NotNull(summary.Rows(SeedSummary.BestFixedName)[0].FixedCount);
    }

    [Fact]
    public void Evaluation_FixedChoices_CheapestWithinBudgetAndMatchingTheComposite()
    {
        static PolicyResult Result(string name, double hours, int violations) =>
            new(name, hours, 1000, violations, 0, 0, 0, 0, 0, 0, [])
            {
                AfterWarmup = new ResultSegment(hours, 1000, violations),
            };

        var composite = Result(Policies.Composite, 4, 30);
        var evaluation = new Evaluation(
            new SimulationOptions(),
            [composite],
            [Result("fixed-1", 1, 500), Result("fixed-2", 2, 40), Result("fixed-3", 3, 10), Result("fixed-4", 4, 0)],
            new BoundResult(1.5, 1.5, 1, 2),
            new ClairvoyantResult(Result(ClairvoyantPlanner.Name, 2.5, 0), [], 5));

        // At most 1% of 1,000 after warm-up: 10 violations.
        Assert.Equal("fixed-3", evaluation.CheapestFixedWithinBudget!.Name);
        Assert.Equal("fixed-3", evaluation.CheapestFixedMatching(composite)!.Name);
        Assert.Equal(1.6, evaluation.ToClairvoyant(composite), 9);
        Assert.Equal(4 / 1.5, evaluation.ToBound(composite), 9);
    }
}
