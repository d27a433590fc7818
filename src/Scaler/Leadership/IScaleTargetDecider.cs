namespace Scaler.Leadership;

/// <summary>
/// Where a workload's own decision is made and its state kept (the custom metrics API registers it): used by
/// <see cref="LeaderDecisions"/> while this replica leads.
/// </summary>
internal interface IScaleTargetDecider
{
    ValueTask<ScaleTargetAnswer> DecideAsync(ScaleTargetRequest request, string decidedBy, CancellationToken cancellationToken);
}
