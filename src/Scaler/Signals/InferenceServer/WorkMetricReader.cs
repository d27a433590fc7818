using System.Text;
using Scaler.Signals.PrometheusText;

namespace Scaler.Signals.InferenceServer;

/// <summary>
/// Reads a server's work figures out of one scraped document: each figure summed over its series (labels
/// such as <c>finished_reason</c> or <c>model_name</c>), KV-cache use averaged over its series; for a figure
/// with several spellings the first present wins. A NaN, infinite or negative sample does not count.
/// </summary>
internal sealed class WorkMetricReader(WorkMetricNames names)
{
    private readonly byte[][] _single =
    [
        Encoding.UTF8.GetBytes(names.Requests),
        Encoding.UTF8.GetBytes(names.PromptTokens),
        Encoding.UTF8.GetBytes(names.GenerationTokens),
        Encoding.UTF8.GetBytes(names.Running),
        Encoding.UTF8.GetBytes(names.Waiting),
    ];

    private readonly byte[][] _kv = [.. names.KvCacheUse.Select(Encoding.UTF8.GetBytes)];
    private readonly byte[][] _itlSum = [.. names.InterTokenSeconds.Select(Encoding.UTF8.GetBytes)];
    private readonly byte[][] _itlCount = [.. names.InterTokenCount.Select(Encoding.UTF8.GetBytes)];

    public WorkMetricNames Names { get; } = names;

    public WorkFigures Read(ReadOnlySpan<byte> body)
    {
        var sums = new double[_single.Length];
        var seen = new bool[_single.Length];
        var bad = new bool[_single.Length];
        var kv = new Accumulator(_kv.Length);
        var itlSum = new Accumulator(_itlSum.Length);
        var itlCount = new Accumulator(_itlCount.Length);
        var reader = new PrometheusTextReader(body);
        while (reader.Read(out var sample))
        {
            if (!double.IsFinite(sample.Value) || sample.Value < 0)
            {
                for (var i = 0; i < _single.Length; i++)
                {
                    bad[i] |= sample.NameIs(_single[i]);
                }

                continue;
            }

            for (var i = 0; i < _single.Length; i++)
            {
                if (sample.NameIs(_single[i]))
                {
                    sums[i] += sample.Value;
                    seen[i] = true;
                }
            }

            kv.Add(sample, _kv);
            itlSum.Add(sample, _itlSum);
            itlCount.Add(sample, _itlCount);
        }

        double? At(int i) => seen[i] ? sums[i] : null;
        var (sumSpelling, itlSeconds) = itlSum.First();
        var (countSpelling, itlTokens) = itlCount.First();

        // The sum and the count must be one histogram's, or their ratio means nothing.
        var itlKnown = itlSeconds is not null && itlTokens is not null && sumSpelling == countSpelling;
        string[] singles = [Names.Requests, Names.PromptTokens, Names.GenerationTokens, Names.Running, Names.Waiting];
        return new WorkFigures(At(0), At(1), At(2), At(3), At(4), kv.Mean(),
            itlKnown ? itlSeconds : null, itlKnown ? itlTokens : null)
        {
            Unusable = [.. Enumerable.Range(0, singles.Length).Where(i => bad[i] && !seen[i]).Select(i => singles[i])],
        };
    }

    /// <summary>Sums (and counts) per spelling of one figure.</summary>
    private sealed class Accumulator(int spellings)
    {
        private readonly double[] _sum = new double[spellings];
        private readonly int[] _count = new int[spellings];

        public void Add(PrometheusSample sample, byte[][] names)
        {
            for (var i = 0; i < names.Length; i++)
            {
                if (sample.NameIs(names[i]))
                {
                    _sum[i] += sample.Value;
                    _count[i]++;
                    return;
                }
            }
        }

        public (int Spelling, double? Sum) First()
        {
            for (var i = 0; i < _sum.Length; i++)
            {
                if (_count[i] > 0)
                {
                    return (i, _sum[i]);
                }
            }

            return (-1, null);
        }

        public double? Mean()
        {
            for (var i = 0; i < _sum.Length; i++)
            {
                if (_count[i] > 0)
                {
                    return _sum[i] / _count[i];
                }
            }

            return null;
        }
    }
}
