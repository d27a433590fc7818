using System.Collections.Immutable;
using System.Globalization;

namespace Scaler.Simulation;

/// <summary>Shapes the built-in generator can produce.</summary>
internal enum TraceShape
{
    /// <summary>Poisson arrivals at a constant rate, chat-like token counts (output-heavy).</summary>
    Steady,

    /// <summary>Code-completion-like traffic: idle minutes, busy minutes and one-second bursts; prompt-heavy.</summary>
    Bursty,

    /// <summary>One compressed day over the duration: rate rises from a night floor to a midday peak; chat-like tokens.</summary>
    Diurnal,
}

/// <summary>
/// A seeded generator for the three shapes the simulator must reproduce (reference/performance.md 2.5:
/// near-Poisson chat traffic, heavy-burst code traffic with idle minutes, and a daily cycle). The same
/// seed always gives the same trace.
/// </summary>
internal static class TraceGenerator
{
    // Chat-like tokens, near the Azure 2023 conversation trace: input p50 ~1,000, output p50 ~130.
    private static readonly TokenProfile Chat = new(1000, 0.8, 4096, 130, 0.8, 1000);

    // Code-like tokens, near the Azure 2023 code trace: input p50 ~1,500 (p99 ~7,400), output p50 ~13.
    private static readonly TokenProfile Code = new(1500, 0.9, 7437, 13, 1.2, 1899);

    public static Trace Generate(TraceShape shape, int seed, TimeSpan duration)
    {
        var random = new Random(seed);
        var seconds = duration.TotalSeconds;
        var requests = shape switch
        {
            TraceShape.Steady => Poisson(random, seconds, _ => 4.0, Chat),
            TraceShape.Diurnal => Poisson(random, seconds, t => 0.5 + (5.5 * (1 - Math.Cos(2 * Math.PI * t / seconds)) / 2), Chat),
            _ => Bursty(random, seconds),
        };
        var name = string.Create(CultureInfo.InvariantCulture,
            $"{shape.ToString().ToLowerInvariant()} (generated, seed {seed}, {duration.TotalMinutes:0.#} min)");
        return new Trace(name, requests);
    }

    // Non-homogeneous Poisson arrivals by thinning against the peak rate.
    private static ImmutableArray<TraceRequest> Poisson(Random random, double seconds, Func<double, double> rate, TokenProfile tokens)
    {
        var peak = 0.0;
        for (var t = 0.0; t <= seconds; t += 1)
        {
            peak = Math.Max(peak, rate(t));
        }

        var requests = ImmutableArray.CreateBuilder<TraceRequest>();
        for (var t = Exponential(random, peak); t < seconds; t += Exponential(random, peak))
        {
            if (random.NextDouble() * peak <= rate(t))
            {
                requests.Add(tokens.Request(random, t));
            }
        }

        return requests.ToImmutable();
    }

    // Minute-level regimes with persistence (idle, quiet, busy, surge), one-second bursts inside busy and
    // surge minutes. Mean ~2.5 req/s, idle stretches of minutes, peaks of tens of requests per second.
    private static ImmutableArray<TraceRequest> Bursty(Random random, double seconds)
    {
        double[] rates = [0, 0.4, 2.5, 6.0];
        double[] weights = [0.2, 0.3, 0.35, 0.15];
        var regime = 2;
        var requests = new List<TraceRequest>();
        for (var minute = 0.0; minute < seconds; minute += 60)
        {
            if (minute > 0 && random.NextDouble() > 0.55)
            {
                regime = Pick(random, weights);
            }

            var end = Math.Min(seconds, minute + 60);
            for (var t = minute + Exponential(random, Math.Max(rates[regime], 1e-9)); rates[regime] > 0 && t < end; t += Exponential(random, rates[regime]))
            {
                requests.Add(Code.Request(random, t));
            }

            // Bursts: a few per busy minute, 10-40 requests within about a second.
            var bursts = regime >= 2 ? random.Next(0, regime == 3 ? 4 : 3) : 0;
            for (var b = 0; b < bursts; b++)
            {
                var at = minute + (random.NextDouble() * (end - minute));
                var size = random.Next(10, 41);
                for (var i = 0; i < size; i++)
                {
                    var t = at + random.NextDouble();
                    if (t < seconds)
                    {
                        requests.Add(Code.Request(random, t));
                    }
                }
            }
        }

        requests.Sort((a, b) => a.ArrivalSeconds.CompareTo(b.ArrivalSeconds));
        return [.. requests];
    }

    private static int Pick(Random random, double[] weights)
    {
        var x = random.NextDouble();
        for (var i = 0; i < weights.Length; i++)
        {
            x -= weights[i];
            if (x < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    private static double Exponential(Random random, double rate) => -Math.Log(1 - random.NextDouble()) / rate;

    private sealed record TokenProfile(double ContextMedian, double ContextSigma, int ContextMax, double GeneratedMedian, double GeneratedSigma, int GeneratedMax)
    {
        public TraceRequest Request(Random random, double at) => new(
            at,
            LogNormal(random, ContextMedian, ContextSigma, ContextMax),
            LogNormal(random, GeneratedMedian, GeneratedSigma, GeneratedMax));

        private static int LogNormal(Random random, double median, double sigma, int max)
        {
            // Box-Muller; clamp to the range the real traces show.
            var u1 = 1 - random.NextDouble();
            var u2 = random.NextDouble();
            var normal = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            return (int)Math.Clamp(Math.Round(median * Math.Exp(sigma * normal)), 1, max);
        }
    }
}
