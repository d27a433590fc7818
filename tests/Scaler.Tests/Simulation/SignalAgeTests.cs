using Scaler.Decisions;
using Scaler.Simulation;

namespace Scaler.Tests.Simulation;

/// <summary>Signal ages: which instant a read sees through each source's samplers, and the history behind it.</summary>
public class SignalAgeTests
{
    private static readonly SignalAges Ages = new();

    [Theory]
    // instant: the read sees now
    [InlineData("instant", 12.3, 12.3)]
    // Prometheus, 30 s scrapes at 7.5 s past the decision grid: a decision at 30 s sees the 7.5 s scrape
    [InlineData("prometheus", 30, 7.5)]
    // ...and at 45 s still that scrape: ages at decision instants alternate 22.5 and 7.5 s, 15 s on average
    [InlineData("prometheus", 45, 37.5)]
    // a read exactly at a scrape sees it
    [InlineData("prometheus", 37.5, 37.5)]
    // the Scaler's watched pods, every 500 ms
    [InlineData("pods", 30.2, 30)]
    // DCGM: the scrape at 37.5 s holds the collection of 22.5 s (30 s collection, 30 s scrape)
    [InlineData("dcgm", 60, 22.5)]
    [InlineData("dcgm", 75, 52.5)]
    public void SampleTime_ThroughTheSource_SeesTheRightInstant(string source, double now, double expected)
    {
        var age = source switch
        {
            "prometheus" => Ages.Prometheus,
            "pods" => Ages.Pods,
            "dcgm" => Ages.Dcgm,
            _ => SignalAge.Instant,
        };

        Assert.Equal(expected, age.SampleTime(now), 9);
    }

    [Fact]
    public void MaxAge_Chain_IsTheSumOfItsIntervals()
    {
        Assert.Equal(TimeSpan.FromSeconds(60), Ages.Dcgm.MaxAge);
        Assert.Equal(TimeSpan.FromSeconds(60), Ages.MaxAge);
        Assert.Equal(TimeSpan.Zero, SignalAges.Instant.MaxAge);
    }

    [Fact]
    public void History_At_ReturnsTheTickAtOrBeforeAndClampsToWhatIsKept()
    {
        var history = new ObservationHistory(0.05, TimeSpan.FromSeconds(1));
        for (var tick = 0; tick <= 100; tick++)
        {
            history.Record(tick, new ClusterObservation(0, 0, 0, tick, null));
        }

        // 5.0 s is tick 100; 4.97 s falls in tick 99.
        Assert.Equal(100, history.At(5.0).Outstanding);
        Assert.Equal(99, history.At(4.97).Outstanding);

        // One second (20 ticks, plus slack) is kept: older reads get the oldest kept observation.
        Assert.Equal(history.At(0).Outstanding, history.At(-30).Outstanding);
        Assert.InRange(history.At(0).Outstanding, 78, 80);
    }

    [Fact]
    public void EngineLoop_SignalThroughPrometheus_DecidesOnTheScrapedValue()
    {
        // Demand jumps from 0 to 100 pending at 10 s; the loop reads it through a 30 s scrape.
        var policy = Policies.RequestsHpaPolicy(10, 10);
        var loop = new EngineLoop("hpa", policy, TimeSpan.FromSeconds(15), pushActivation: false, outage: null, DateTimeOffset.UnixEpoch,
            new Dictionary<string, SignalAge> { [SimulatedSignals.Requests] = Ages.Prometheus });
        var history = new ObservationHistory(Simulator.TickSeconds, Ages.MaxAge + TimeSpan.FromSeconds(5));
        var decided = new List<(double At, int Desired)>();
        for (long tick = 0; tick <= 1000; tick++)
        {
            var now = tick * Simulator.TickSeconds;
            var observation = new ClusterObservation(1, 1, 0, now >= 10 ? 100 : 0, 1);
            history.Record(tick, observation);
            if (loop.OnTick(now, observation, history) is { } desired)
            {
                decided.Add((Math.Round(now, 2), desired));
            }
        }

        // 15 s and 30 s read the scrape of 7.5 s (0 pending); 45 s reads the 37.5 s scrape (100 pending) and
        // scales up as far as Kubernetes' default limit lets it (1 -> max(1 + 4, 2 × 1) = 5).
        Assert.Equal(1, decided.Single(d => d.At == 30).Desired);
        Assert.Equal(5, decided.Single(d => d.At == 45).Desired);
        Assert.Equal(SignalStatus.Fresh, loop.LastDecision!.Explanation.Signals[0].Status);
    }
}
