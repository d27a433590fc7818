namespace Scaler.Decisions.Capacity;

/// <summary>
/// Learns a workload's step-time law online, the way llm-d's variant autoscaler learns its servers'
/// iteration time (a Kalman filter), from what every vLLM-like server exposes. A decoded token's
/// inter-token latency is the step that produced it, so the mean inter-token latency over an interval is
/// the mean step time, and <c>t = s + c × tokens per step + f × KV use</c> with tokens per step = the batch
/// plus the prompt tokens that arrive during a step. Each interval with decodes is one linear measurement
/// of (s, c, f), weighed against what the filter already knows (10% measurement error, a slow random walk
/// so the profile can drift). Intervals without decodes say nothing and are never used.
/// </summary>
internal static class ProfileEstimator
{
    /// <summary>Relative standard deviation of one measured mean step time.</summary>
    public const double MeasurementError = 0.1;

    // Per update, each parameter may drift by this share of its value (random-walk process noise).
    private const double Drift = 0.002;

    // No parameter falls below this share of where it started (they are all positive costs).
    private const double Floor = 0.02;

    /// <summary>Folds in one interval: its mean step time and, per step, the tokens processed and the KV use.</summary>
    public static ProfileEstimate Update(ProfileEstimate estimate, ServerProfile prior, double stepSeconds, double tokensPerStep, double kvCacheUse)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        ArgumentNullException.ThrowIfNull(prior);
        const int n = ProfileEstimate.Parameters;
        double[] h = [1, tokensPerStep, kvCacheUse];
        var x = estimate.Mean.ToArray();
        var p = estimate.Covariance.ToArray();
        for (var i = 0; i < n; i++)
        {
            p[(i * n) + i] += Square(Drift * x[i]);
        }

        // Innovation and its variance.
        var predicted = 0.0;
        for (var i = 0; i < n; i++)
        {
            predicted += h[i] * x[i];
        }

        var ph = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                ph[i] += p[(i * n) + j] * h[j];
            }
        }

        var s = Square(MeasurementError * stepSeconds);
        for (var i = 0; i < n; i++)
        {
            s += h[i] * ph[i];
        }

        var innovation = stepSeconds - predicted;
        double[] floor = [prior.StepSeconds * Floor, prior.TokenSeconds * Floor, Math.Max(prior.FullCacheSeconds, prior.StepSeconds / 2) * Floor];
        for (var i = 0; i < n; i++)
        {
            x[i] = Math.Max(floor[i], x[i] + (ph[i] / s * innovation));
        }

        // P = P − (P h)(P h)ᵀ / s (Joseph form is not needed for a scalar measurement of this size).
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                p[(i * n) + j] -= ph[i] * ph[j] / s;
            }
        }

        return estimate with { Mean = [.. x], Covariance = [.. p], Samples = estimate.Samples + 1, LastRegressors = [.. h] };
    }

    private static double Square(double value) => value * value;
}
