using Scaler.Decisions;
using Scaler.Decisions.Capacity;

namespace Scaler.Tests.Decisions.Capacity;

/// <summary>
/// Counters a steady workload would show: requests arriving at a rate with a fixed mix, finishing after a
/// fixed time, and inter-token latencies from a known step-time law. Deterministic, for estimator and
/// sizing tests.
/// </summary>
internal sealed class WorkCounterSim(double rate, double prompt, double output, ServerProfile truth, int ready)
{
    private double _requests;
    private double _prompt;
    private double _generated;
    private double _itlSeconds;
    private double _itlCount;

    public DateTimeOffset At { get; private set; } = EngineFixture.T0;

    /// <summary>Requests each replica holds (decoding).</summary>
    public double Batch { get; set; } = 8;

    /// <summary>KV-cache use reported.</summary>
    public double KvCacheUse { get; set; } = 0.2;

    public double ArrivalPeak { get; set; } = double.NaN;

    /// <summary>Advances time, counting what finished and what was decoded meanwhile.</summary>
    public WorkSample Advance(TimeSpan by)
    {
        At += by;
        var seconds = by.TotalSeconds;
        var finished = rate * seconds;
        _requests += finished;
        _prompt += finished * prompt;
        _generated += finished * output;

        // Decoded tokens each took one step of the true law: step = s + c (B + prompt tokens arriving during
        // the step) + f × KV use, solved for the step.
        var promptPerSecond = rate / ready * prompt;
        var step = (truth.StepSeconds + (truth.TokenSeconds * Batch) + (truth.FullCacheSeconds * KvCacheUse)) / (1 - (truth.TokenSeconds * promptPerSecond));
        var decoded = finished * (output - 1);
        _itlSeconds += decoded * step;
        _itlCount += decoded;
        return Sample();
    }

    public WorkSample Sample() => new(At, _requests, _prompt, _generated, Batch * ready, 0, KvCacheUse, double.IsNaN(ArrivalPeak) ? null : ArrivalPeak)
    {
        InterTokenSeconds = _itlSeconds,
        InterTokenCount = _itlCount,
    };

    /// <summary>The same counters as readings under the default work signal names.</summary>
    public static Dictionary<string, Reading> Readings(WorkSample sample, WorkSignalNames? names = null)
    {
        names ??= new WorkSignalNames();
        var readings = new Dictionary<string, Reading>(StringComparer.Ordinal);
        foreach (var (name, value) in names.Of(sample))
        {
            if (value is { } v)
            {
                readings[name] = Reading.Fresh(v, sample.At);
            }
        }

        return readings;
    }
}
