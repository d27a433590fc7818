namespace Scaler.Decisions.Capacity;

/// <summary>
/// The queueing model behind capacity sizing (docs/decisions.md, "Capacity-aware sizing"). One replica of a
/// continuous-batching server at Poisson arrival rate λ with mean prompt P and output O tokens:
/// <list type="bullet">
/// <item>Steps: each lasts t = s + c × (tokens in it) + f × (KV use). Decoding sequences are B = λ O t
/// (Little's law), prompt tokens per step λ P t, KV use B (P + O/2) / K. So t = s / (1 − ρ) with
/// ρ = λ [c (P + O) + f O (P + O/2) / K]: stable while ρ &lt; 1.</item>
/// <item>Time to first token: prompts wait first come first served for the prefill throughput the step
/// budget leaves after decodes, μ = (M − B) / (s + c M + f × KV use). A Service splits Poisson arrivals
/// into Poisson arrivals per replica, so each replica's prompt queue is M/M/1 (Erlang C with one server):
/// the p-quantile of the sojourn is ln(1 / (1 − p)) × (P / μ) / (1 − λ P / μ), plus half a step.</item>
/// </list>
/// Sizing asks for the fewest replicas (fractional, then rounded up) whose operating point meets the
/// objective, keeps ρ and KV use under their planning limits, and holds the batch under the sequence cap.
/// </summary>
internal static class QueueingModel
{
    /// <summary>One replica's operating point at arrival rate <paramref name="lambda"/> (requests per second).</summary>
    public static OperatingPoint Evaluate(ServerProfile profile, double lambda, double prompt, double output, double percentile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var held = prompt + (output / 2);
        var kvPerToken = profile.KvCacheTokens > 0 ? profile.FullCacheSeconds / profile.KvCacheTokens : 0;
        var utilization = lambda * ((profile.TokenSeconds * (prompt + output)) + (kvPerToken * output * held));
        if (utilization >= 1 || double.IsNaN(utilization))
        {
            return new OperatingPoint(utilization, double.PositiveInfinity, double.PositiveInfinity, 1, double.PositiveInfinity, double.PositiveInfinity);
        }

        var step = profile.StepSeconds / (1 - utilization);
        var batch = lambda * output * step;
        var kvUse = profile.KvCacheTokens > 0 ? batch * held / profile.KvCacheTokens : 0;

        // Prompts get the step budget that decodes leave, in steps as long as a full budget makes them.
        var fullStep = profile.StepSeconds + (profile.TokenSeconds * profile.MaxBatchedTokens) + (profile.FullCacheSeconds * Math.Min(1, kvUse));
        var room = profile.MaxBatchedTokens - batch;
        if (room <= 0)
        {
            return new OperatingPoint(utilization, step, batch, kvUse, double.PositiveInfinity, double.PositiveInfinity);
        }

        var prefillRate = room / fullStep;
        var service = prompt / prefillRate;
        var prefillUtilization = lambda * service;
        var ttft = prefillUtilization >= 1
            ? double.PositiveInfinity
            : (Math.Log(1 / (1 - (percentile / 100))) * service / (1 - prefillUtilization)) + (step / 2);
        return new OperatingPoint(utilization, step, batch, kvUse, prefillUtilization, ttft);
    }

    /// <summary>
    /// The fewest replicas, as a real number, that meet the objective at total arrival rate
    /// <paramref name="lambda"/>; 0 without load; infinity when not even <paramref name="maxReplicas"/> do.
    /// </summary>
    public static double Replicas(ServerProfile profile, CapacityPolicy policy, double lambda, double prompt, double output, int maxReplicas)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (!(lambda > 0))
        {
            return 0;
        }

        bool Meets(double n) => Acceptable(Evaluate(profile, lambda / n, prompt, output, policy.Percentile), profile, policy);
        if (!Meets(maxReplicas))
        {
            return double.PositiveInfinity;
        }

        // Every figure improves as the load per replica falls, so the fewest replicas is a bisection.
        double low = 0, high = maxReplicas;
        for (var i = 0; i < 50 && high - low > 1e-3; i++)
        {
            var middle = (low + high) / 2;
            (Meets(middle) ? ref high : ref low) = middle;
        }

        return high;
    }

    /// <summary>
    /// The objective's percentile of time to first token with no queue at all: one request's own prefill. An
    /// objective below it cannot be met by any number of replicas.
    /// </summary>
    public static double NoLoadTimeToFirstToken(ServerProfile profile, double prompt, double output, double percentile) =>
        Evaluate(profile, 1e-9, prompt, output, percentile).TimeToFirstToken;

    /// <summary>Whether an operating point meets the objective within the planning limits.</summary>
    public static bool Acceptable(OperatingPoint point, ServerProfile profile, CapacityPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(policy);
        return point.Utilization <= policy.MaxUtilization
            && point.KvCacheUse <= policy.MaxKvCacheUse
            && point.Batch <= profile.MaxSequences
            && point.TimeToFirstToken <= policy.TimeToFirstToken.TotalSeconds;
    }
}
