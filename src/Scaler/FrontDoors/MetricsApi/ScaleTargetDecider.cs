using Scaler.Leadership;
using Scaler.Signals.Kubernetes;

namespace Scaler.FrontDoors.MetricsApi;

/// <summary>
/// <c>scaler_desired_replicas</c> for one workload, decided on this replica (the leader, or a Scaler alone): the
/// workload looked up through its <c>/scale</c>, its <c>scaler.dev/</c> policy, the engine through
/// <see cref="WorkloadDecisions"/>. Every way there is no count is a status with the reason: 404 no such workload
/// or no policy, 422 an invalid policy, 503 the workload or a signal cannot be read.
/// </summary>
internal sealed class ScaleTargetDecider(IScaleTargets scaleTargets, WorkloadDecisions decisions) : IScaleTargetDecider
{
    public async ValueTask<ScaleTargetAnswer> DecideAsync(ScaleTargetRequest request, string decidedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (ns, resource, name) = request;
        var metric = MetricsApiGroups.DesiredReplicas;
        var lookup = await scaleTargets.GetAsync(ns, resource, name, cancellationToken).ConfigureAwait(false);
        if (lookup.Workload is not { } workload)
        {
            return lookup.NotFound
                ? Refused(404, "NotFound", $"the server could not find the metric {metric} for {resource} {name}: {lookup.UnavailableReason}")
                : Refused(503, "ServiceUnavailable", $"cannot decide for {resource} {ns}/{name}: {lookup.UnavailableReason}");
        }

        if (!WorkloadDecisions.HasPolicy(workload))
        {
            return Refused(404, "NotFound", $"the server could not find the metric {metric} for {resource} {name}: it has no {MetricsApiGroups.AnnotationPrefix} annotations, so the Scaler has no policy for it");
        }

        var answer = await decisions.DecideAsync(workload, cancellationToken).ConfigureAwait(false);
        if (answer.Decision is not { } decision)
        {
            return Refused(422, "Invalid", $"{resource} {ns}/{name}: invalid {MetricsApiGroups.AnnotationPrefix} annotations: {string.Join("; ", answer.Errors)}");
        }

        return decision.CannotDecide
            ? Refused(503, "ServiceUnavailable", $"cannot decide for {resource} {ns}/{name}: {decision.Reason}", decision.At)
            : new ScaleTargetAnswer(ScaleTargetAnswer.Decided, "", "", decision.DesiredReplicas, decision.At, workload.Kind, workload.ApiVersion, decidedBy);

        ScaleTargetAnswer Refused(int status, string reason, string message, DateTimeOffset? at = null) =>
            new(status, reason, message, 0, at ?? default, null, null, decidedBy);
    }
}
