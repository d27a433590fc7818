using System.Globalization;
using System.Text;
using Scaler.Decisions;
using Scaler.Durations;
using Scaler.Triggers;

namespace Scaler.FrontDoors.Page;

/// <summary>
/// The page of one ScaledObject (<c>/workload?namespace=…&amp;name=…</c>): per trigger, its state in words
/// (activity, idle tier, scale to zero, fallback, what KEDA is answered), the last hour of counts and of each
/// signal as charts, each signal's and input's state with its reason, the policy, and the decisions that
/// changed something with their explanations.
/// </summary>
internal static class WorkloadPage
{
    public static string Render(ScaledObjectKey scaledObject, IReadOnlyList<TriggerSnapshot> triggers, DateTimeOffset now, TimeSpan forgetAfter)
    {
        ArgumentNullException.ThrowIfNull(triggers);
        var title = $"{scaledObject.Namespace}/{scaledObject.Name}";
        var html = PageShell.Open($"Scaler: {title}", now);
        html.Append("<p><a href=\"/\">← all workloads</a></p>\n<h1>").Append(PageText.Encode(title)).Append("</h1>\n");
        if (triggers.Count == 0)
        {
            html.Append("<p>No decision for this ScaledObject: KEDA has not asked about it, or not for ")
                .Append(PageText.Encode(DurationText.Format(forgetAfter))).Append(".</p>\n");
            return PageShell.Close(html);
        }

        if (triggers.Count > 1)
        {
            html.Append("<p>").Append(PageText.Count(triggers.Count)).Append(" triggers; the HPA follows the highest count.</p>\n");
        }

        for (var i = 0; i < triggers.Count; i++)
        {
            Trigger(html, triggers[i], i, now);
        }

        return PageShell.Close(html);
    }

    private static void Trigger(StringBuilder html, TriggerSnapshot snapshot, int index, DateTimeOffset now)
    {
        var decision = snapshot.Last.Decision;
        var policy = snapshot.Last.Trigger.Policy;
        var (state, css) = PageText.State(decision);
        html.Append(CultureInfo.InvariantCulture, $"<section class=\"trigger\" id=\"trigger-{index}\">\n<h2>")
            .Append(PageText.Encode(snapshot.Id.MetricName)).Append("</h2>\n<p class=\"summary\"><span class=\"state ").Append(css).Append("\">").Append(state).Append("</span> ")
            .Append("desired <strong>").Append(PageText.Count(decision.DesiredReplicas)).Append("</strong>, current ")
            .Append(PageText.Count(decision.Explanation.Current)).Append(" (ready ").Append(PageText.Count(decision.Explanation.Ready)).Append(')')
            .Append(decision.Explanation.DrivingSignal is { } driver ? "; driven by " + PageText.Encode(driver) : "; no signal drove it")
            .Append("; decided at ").Append(PageText.Time(decision.At)).Append(" (").Append(PageText.Age(now - decision.At)).Append(" ago).</p>\n");

        html.Append("<dl class=\"facts\">")
            .Append("<dt>KEDA is answered</dt><dd>").Append(PageText.Encode(Answer(decision))).Append("</dd>")
            .Append("<dt>Activity and idle tier</dt><dd>").Append(PageText.Encode(Tier(decision, policy, now))).Append("</dd>")
            .Append("<dt>Fallback</dt><dd>").Append(PageText.Encode(Fallback(decision, policy))).Append("</dd>")
            .Append("<dt>Explanation</dt><dd class=\"explanation\">").Append(PageText.Encode(decision.Reason)).Append("</dd></dl>\n");

        html.Append("<h3>Replicas, last hour</h3>\n<figure class=\"chart\">").Append(HistoryCharts.Replicas(snapshot, now)).Append("</figure>\n");
        Signals(html, snapshot, policy, now);
        Inputs(html, snapshot);
        Policy(html, policy);
        Timeline(html, snapshot, now);
        html.Append("</section>\n");
    }

    private static void Signals(StringBuilder html, TriggerSnapshot snapshot, ScalingPolicy policy, DateTimeOffset now)
    {
        var explanation = snapshot.Last.Decision.Explanation;
        html.Append("<h3>Signals</h3>\n<table class=\"signals\"><thead><tr><th>Signal</th><th>Role</th><th>State</th><th>Value</th><th>Asks for</th><th>Why</th></tr></thead><tbody>\n");
        foreach (var signal in explanation.Signals)
        {
            var (status, css) = PageText.Status(signal.Status, signal.Known);
            html.Append("<tr><td>").Append(PageText.Encode(signal.Name)).Append(signal.Name == explanation.DrivingSignal ? " <em>(driver)</em>" : "").Append("</td>")
                .Append("<td>").Append(signal.Role == SignalRole.Demand ? "demand" : "saturation").Append("</td>")
                .Append("<td><span class=\"status ").Append(css).Append("\">").Append(status).Append("</span></td>")
                .Append("<td class=\"n\">").Append(signal.Known ? PageText.Number(signal.Value) : "–").Append("</td>")
                .Append("<td class=\"n\">").Append(signal.Proposal is { } p ? PageText.Count(p) : "–").Append("</td>")
                .Append("<td class=\"explanation\">").Append(PageText.Encode(signal.Note)).Append("</td></tr>\n");
        }

        html.Append("</tbody></table>\n");
        foreach (var signal in snapshot.Signals)
        {
            var spec = policy.Signals.FirstOrDefault(s => s.Name == signal.Name);
            html.Append("<figure class=\"chart\">").Append(HistoryCharts.Signal(signal, spec, now)).Append("</figure>\n");
        }
    }

    // The readings the engine decided on, by name: for capacity sizing these are the servers' counters and gauges.
    private static void Inputs(StringBuilder html, TriggerSnapshot snapshot)
    {
        var readings = snapshot.Last.Readings;
        if (readings.Count == 0)
        {
            return;
        }

        html.Append("<h3>Inputs</h3>\n<table class=\"inputs\"><thead><tr><th>Reading</th><th>State</th><th>Value</th><th>Observed</th><th>Answered</th><th>Reason</th></tr></thead><tbody>\n");
        foreach (var (name, reading) in readings.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var (status, css) = PageText.Status(reading.Status, reading.IsUsable);
            html.Append("<tr><td>").Append(PageText.Encode(name)).Append("</td>")
                .Append("<td><span class=\"status ").Append(css).Append("\">").Append(status).Append("</span></td>")
                .Append("<td class=\"n\">").Append(reading.IsUsable ? PageText.Number(reading.Value) : "–").Append("</td>")
                .Append("<td class=\"n\">").Append(reading.ObservedAt is { } at ? PageText.Encode(PageText.Age(snapshot.Last.Decision.At - at)) + " before" : "never").Append("</td>")
                .Append("<td class=\"n\">").Append(reading.Coverage is { } coverage ? $"{PageText.Count(coverage.Answered)} of {PageText.Count(coverage.Expected)}" : "–").Append("</td>")
                .Append("<td class=\"explanation\">").Append(PageText.Encode(Reason(reading))).Append("</td></tr>\n");
        }

        html.Append("</tbody></table>\n");
    }

    private static string Reason(Reading reading)
    {
        var missing = reading.Coverage is { Missing.Count: > 0 } coverage ? "missing: " + string.Join("; ", coverage.Missing) : null;
        return string.Join("; ", new[] { reading.Reason, missing }.Where(s => !string.IsNullOrEmpty(s)));
    }

    private static void Policy(StringBuilder html, ScalingPolicy policy)
    {
        html.Append("<h3>Policy</h3>\n<dl class=\"facts\">")
            .Append("<dt>Replicas</dt><dd>").Append(PageText.Encode(string.Create(CultureInfo.InvariantCulture,
                $"{policy.MinReplicas} to {policy.MaxReplicas}; {policy.IdleReplicas} kept warm while inactive, {policy.MinReplicas} after {DurationText.Format(policy.ScaleToZeroAfter)} inactive"))).Append("</dd>")
            .Append("<dt>Scale up</dt><dd>").Append(PageText.Encode(Rules(policy.ScaleUp))).Append(policy.WarmingGate ? "; held while replicas warm for the same load" : "").Append("</dd>")
            .Append("<dt>Scale down</dt><dd>").Append(PageText.Encode(Rules(policy.ScaleDown))).Append("</dd>")
            .Append("<dt>Signals</dt><dd>").Append(PageText.Encode(string.Join("; ", policy.Signals.Select(Describe)))).Append("</dd>");
        if (policy.Capacity is { } capacity)
        {
            html.Append("<dt>Capacity sizing</dt><dd>").Append(PageText.Encode(string.Create(CultureInfo.InvariantCulture,
                $"p{capacity.Percentile:0.##} time to first token ≤ {DurationText.Format(capacity.TimeToFirstToken)}; burst coverage {capacity.BurstCoverage:0.##}"))).Append("</dd>");
        }

        html.Append("<dt>Unknown signals</dt><dd>").Append(PageText.Encode(policy.FallbackReplicas is { } fallback
            ? string.Create(CultureInfo.InvariantCulture, $"never scale down; {fallback} replicas once one is unknown beyond its limit")
            : "never scale down; hold (no fallback count)"))
            .Append("</dd></dl>\n");
    }

    private static void Timeline(StringBuilder html, TriggerSnapshot snapshot, DateTimeOffset now)
    {
        html.Append("<h3>Decisions that changed something (newest first, last ").Append(PageText.Count(TriggerHistory.TimelineLength)).Append(")</h3>\n<ol class=\"timeline\">\n");
        foreach (var entry in snapshot.Timeline)
        {
            var change = entry.From is { } from && from != entry.Desired
                ? $"{PageText.Count(from)} → {PageText.Count(entry.Desired)}"
                : PageText.Count(entry.Desired);
            var state = entry.CannotDecide ? "cannot decide" : entry.InFallback ? "fallback" : entry.Activity.ToString().ToLowerInvariant();
            html.Append("<li><time datetime=\"").Append(PageText.Encode(entry.At.UtcDateTime.ToString("o", CultureInfo.InvariantCulture))).Append("\">")
                .Append(PageText.Time(entry.At)).Append("</time><strong>desired ").Append(change).Append("</strong> · ")
                .Append(PageText.Encode(state)).Append(" · current ").Append(PageText.Count(entry.Current)).Append(" (ready ").Append(PageText.Count(entry.Ready)).Append(')')
                .Append(entry.Rules.Length > 0 ? " · limited by " + PageText.Encode(string.Join(", ", entry.Rules)) : "")
                .Append(" <span class=\"muted\">(").Append(PageText.Age(now - entry.At)).Append(" ago)</span>")
                .Append("<div class=\"explanation\">").Append(PageText.Encode(entry.Explanation)).Append("</div></li>\n");
        }

        html.Append("</ol>\n");
    }

    private static string Answer(Decision decision) => decision.CannotDecide
        ? "UNAVAILABLE (cannot decide): KEDA keeps the count, or applies its own fallback after its failure threshold"
        : string.Create(CultureInfo.InvariantCulture, $"metric value {decision.DesiredReplicas}; IsActive {(decision.DesiredReplicas > 0 ? "true" : "false")}");

    private static string Tier(Decision decision, ScalingPolicy policy, DateTimeOffset now)
    {
        var rules = decision.Explanation;
        switch (decision.Activity)
        {
            case Activity.Active:
                return "active: demand above its activation threshold";
            case Activity.Unknown:
                return "unknown: a demand signal is unknown, so the workload is never counted as idle";
        }

        var since = decision.State.InactiveSince ?? decision.At;
        var idleFor = now - since;
        var zeroAt = since + policy.ScaleToZeroAfter;
        var kept = Math.Max(policy.MinReplicas, Math.Min(policy.IdleReplicas, rules.Current));
        var text = string.Create(CultureInfo.InvariantCulture, $"inactive for {PageText.Age(idleFor)}; ");
        return rules.Limited(Rule.ScaleToZero) || zeroAt <= decision.At
            ? text + string.Create(CultureInfo.InvariantCulture, $"past scaleToZeroAfter ({DurationText.Format(policy.ScaleToZeroAfter)}): down to minReplicas {policy.MinReplicas}")
            : text + string.Create(CultureInfo.InvariantCulture, $"the idle tier keeps {kept} replica(s) warm until {PageText.Time(zeroAt)} ({DurationText.Format(policy.ScaleToZeroAfter)} inactive), then minReplicas {policy.MinReplicas}");
    }

    private static string Fallback(Decision decision, ScalingPolicy policy)
    {
        if (decision.InFallback)
        {
            return string.Create(CultureInfo.InvariantCulture, $"in fallback: {policy.FallbackReplicas} replicas asked for, a signal being unknown beyond its limit ({string.Join(", ", decision.UnknownSignals)})");
        }

        if (!decision.UnknownSignals.IsDefaultOrEmpty)
        {
            return $"holding: {string.Join(", ", decision.UnknownSignals)} unknown, so nothing goes down" +
                (policy.FallbackReplicas is { } f ? string.Create(CultureInfo.InvariantCulture, $"; {f} replicas once beyond the staleness limit") : "; no fallback count set");
        }

        return policy.FallbackReplicas is { } count
            ? string.Create(CultureInfo.InvariantCulture, $"not in fallback; {count} replicas if a signal stays unknown beyond its limit")
            : "not in fallback; none set (an unknown signal holds the count)";
    }

    private static string Rules(ScalingRules rules) =>
        $"window {DurationText.Format(rules.StabilizationWindow)}; " + (rules.Select == SelectPolicy.Disabled
            ? "disabled"
            : rules.Limits.IsDefaultOrEmpty ? "no rate limit" : string.Join(rules.Select == SelectPolicy.Min ? " and " : " or ", rules.Limits.Select(l => l.ToString())));

    private static string Describe(SignalSpec spec) => string.Create(CultureInfo.InvariantCulture,
        $"{spec.Name} ({(spec.Role == SignalRole.Demand ? "demand" : "saturation")}, {(spec.Kind == SignalKind.Average ? "average" : "total")}, target {spec.Target:0.###}, activation above {spec.ActivationThreshold:0.###}, unknown after {DurationText.Format(spec.StalenessLimit)})");
}
