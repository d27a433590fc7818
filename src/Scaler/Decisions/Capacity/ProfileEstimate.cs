using System.Collections.Immutable;

namespace Scaler.Decisions.Capacity;

/// <summary>
/// The learned step-time parameters of a workload's replicas (step, per-token, full-cache seconds) with
/// their covariance, and the KV-cache size learned from its use. Immutable; the estimator returns a new one.
/// </summary>
internal sealed record ProfileEstimate(ImmutableArray<double> Mean, ImmutableArray<double> Covariance, int Samples, double KvCacheTokens)
{
    /// <summary>Parameters in <see cref="Mean"/>: step seconds, token seconds, full-cache seconds.</summary>
    public const int Parameters = 3;

    /// <summary>Relative standard deviation of the starting point.</summary>
    public const double PriorError = 0.5;

    /// <summary>Starts at <paramref name="prior"/> with a standard deviation of half of each value.</summary>
    public static ProfileEstimate From(ServerProfile prior)
    {
        ArgumentNullException.ThrowIfNull(prior);
        double[] mean = [prior.StepSeconds, prior.TokenSeconds, Math.Max(prior.FullCacheSeconds, prior.StepSeconds / 2)];
        var covariance = new double[Parameters * Parameters];
        for (var i = 0; i < Parameters; i++)
        {
            covariance[(i * Parameters) + i] = mean[i] * mean[i] * PriorError * PriorError;
        }

        return new ProfileEstimate([.. mean], [.. covariance], 0, prior.KvCacheTokens);
    }

    /// <summary>Relative standard deviation of each parameter.</summary>
    public double RelativeError(int parameter) => Math.Sqrt(Covariance[(parameter * Parameters) + parameter]) / Math.Abs(Mean[parameter]);

    /// <summary>The regressors of the last measurement (1, tokens per step, KV use); default before any.</summary>
    public ImmutableArray<double> LastRegressors { get; init; } = [];

    /// <summary>
    /// Relative standard deviation of the step time predicted where the replicas last ran: what the data
    /// pins down, not each parameter alone (those trade off against each other along directions the
    /// workload never explores). Before any measurement, the prior's.
    /// </summary>
    public double PredictionError
    {
        get
        {
            if (LastRegressors.IsDefaultOrEmpty)
            {
                return PriorError;
            }

            double predicted = 0, variance = 0;
            for (var i = 0; i < Parameters; i++)
            {
                predicted += LastRegressors[i] * Mean[i];
                for (var j = 0; j < Parameters; j++)
                {
                    variance += LastRegressors[i] * Covariance[(i * Parameters) + j] * LastRegressors[j];
                }
            }

            return predicted > 0 ? Math.Sqrt(Math.Max(0, variance)) / predicted : PriorError;
        }
    }

    /// <summary>The profile to size with: every cost one standard deviation of the prediction on the slow side.</summary>
    public ServerProfile Cautious(ServerProfile limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var slow = 1 + PredictionError;
        return new ServerProfile(Mean[0] * slow, Mean[1] * slow, Mean[2] * slow, KvCacheTokens, limits.MaxBatchedTokens, limits.MaxSequences);
    }

    /// <summary>The profile at the estimate's mean.</summary>
    public ServerProfile Profile(ServerProfile limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return new ServerProfile(Mean[0], Mean[1], Mean[2], KvCacheTokens, limits.MaxBatchedTokens, limits.MaxSequences);
    }
}
