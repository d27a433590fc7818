using Grpc.Core;
using Scaler.FrontDoors.Keda.Protocol;
using Scaler.Leadership;
using Scaler.Triggers;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// KEDA's external scaler, a thin adapter: parse the metadata (<see cref="KedaTriggerCache"/>; INVALID_ARGUMENT
/// naming the key, cut by <see cref="ErrorText"/>), ask <see cref="LeaderDecisions"/> (decided here while this
/// replica leads, else the leader's answer), map the answer. GetMetricSpec answers from the metadata alone;
/// GetMetrics returns the engine's desired replica count as the one value of a metric whose target is 1;
/// "cannot decide" is UNAVAILABLE with the reason, never 0, so KEDA's fallback can act; a new trigger beyond
/// the live-trigger limits is RESOURCE_EXHAUSTED.
/// </summary>
internal sealed class KedaExternalScaler : ExternalScaler.ExternalScalerBase
{
    private readonly KedaTriggerCache _triggers;
    private readonly LeaderDecisions _decisions;
    private readonly CancellationToken _stopping;

    public KedaExternalScaler(KedaTriggerCache triggers, LeaderDecisions decisions, IHostApplicationLifetime lifetime)
    {
        ArgumentNullException.ThrowIfNull(lifetime);
        _triggers = triggers;
        _decisions = decisions;
        _stopping = lifetime.ApplicationStopping;
    }

    public override Task<GetMetricSpecResponse> GetMetricSpec(ScaledObjectRef request, ServerCallContext context)
    {
        var spec = Parse(request);
        var response = new GetMetricSpecResponse();
        response.MetricSpecs.Add(new MetricSpec { MetricName = spec.MetricName, TargetSize = 1, TargetSizeFloat = 1 });
        return Task.FromResult(response);
    }

    public override async Task<GetMetricsResponse> GetMetrics(GetMetricsRequest request, ServerCallContext context)
    {
        var spec = Parse(request.ScaledObjectRef);
        if (!string.IsNullOrEmpty(request.MetricName) && !string.Equals(request.MetricName, spec.MetricName, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"metricName: expected '{spec.MetricName}' (the name GetMetricSpec returns), got '{ErrorText.Quote(request.MetricName)}'"));
        }

        var decision = await DecideAsync(request.ScaledObjectRef, spec, context.CancellationToken).ConfigureAwait(false);
        if (decision.CannotDecide)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"cannot decide for {spec.ScaledObject}: {decision.Reason}"));
        }

        var response = new GetMetricsResponse();
        response.MetricValues.Add(new MetricValue
        {
            MetricName = spec.MetricName,
            MetricValue_ = decision.DesiredReplicas,
            MetricValueFloat = decision.DesiredReplicas,
        });
        return response;
    }

    /// <summary>
    /// Active means the engine wants at least one replica, not merely that work is pending: the engine
    /// keeps its warm idle replicas and decides when to go to zero (<c>scaleToZeroAfter</c>), so KEDA's
    /// own cooldown must not take them away as soon as the queue is empty.
    /// </summary>
    public override async Task<IsActiveResponse> IsActive(ScaledObjectRef request, ServerCallContext context)
    {
        var spec = Parse(request);
        var decision = await DecideAsync(request, spec, context.CancellationToken).ConfigureAwait(false);
        return decision.CannotDecide
            ? throw new RpcException(new Status(StatusCode.Unavailable, $"cannot tell whether {spec.ScaledObject} is active: {decision.Reason}"))
            : new IsActiveResponse { Result = decision.Active };
    }

    /// <summary>
    /// Sends <c>true</c> only on an inactive-to-active transition (a repeated <c>true</c> would postpone
    /// scale-to-zero forever, http-add-on #1792), within 1 s of the signal: each turn waits for the decision's
    /// activity to change (<see cref="LeaderDecisions.NextActivityAsync"/>: the trigger's signals watched, re-decided
    /// on each change, on whichever replica leads). Ends cleanly when the client goes away. Ends (status OK) when
    /// the Scaler starts stopping: KEDA opens the stream again on another replica, and shutdown does not wait for
    /// the client until the pod's grace period runs out.
    /// </summary>
    public override async Task StreamIsActive(ScaledObjectRef request, IServerStreamWriter<IsActiveResponse> responseStream, ServerCallContext context)
    {
        var spec = Parse(request);
        var asked = Request(request);
        using var open = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _stopping);
        try
        {
            var wasActive = false;
            var ct = open.Token;
            while (!ct.IsCancellationRequested)
            {
                var decision = await NextAsync(asked, spec, wasActive, ct).ConfigureAwait(false);
                if (decision.CannotDecide)
                {
                    continue;
                }

                if (decision.Active && !wasActive)
                {
                    await responseStream.WriteAsync(new IsActiveResponse { Result = true }, ct).ConfigureAwait(false);
                }

                // KEDA ignores false on the stream; deactivation follows its polling and cooldown.
                wasActive = decision.Active;
            }
        }
        catch (OperationCanceledException) when (open.IsCancellationRequested)
        {
            // The client went away, or the Scaler is stopping: end the stream quietly.
        }
    }

    private static DecisionRequest Request(ScaledObjectRef request) =>
        new(new ScaledObjectKey(request.Namespace, request.Name), request.ScalerMetadata, KedaMetadataKeys.Ignored);

    private async Task<DecisionAnswer> DecideAsync(ScaledObjectRef request, Trigger spec, CancellationToken cancellationToken)
    {
        try
        {
            return await _decisions.DecideAsync(Request(request), spec, cancellationToken).ConfigureAwait(false);
        }
        catch (TriggerLimitException limit)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"{spec.ScaledObject}: {limit.Message}"));
        }
    }

    private async Task<DecisionAnswer> NextAsync(DecisionRequest asked, Trigger spec, bool wasActive, CancellationToken cancellationToken)
    {
        try
        {
            return await _decisions.NextActivityAsync(asked, spec, wasActive, cancellationToken).ConfigureAwait(false);
        }
        catch (TriggerLimitException limit)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"{spec.ScaledObject}: {limit.Message}"));
        }
    }

    private Trigger Parse(ScaledObjectRef? request)
    {
        if (request is null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "scaledObjectRef: required"));
        }

        return _triggers.TryParse(request.Namespace, request.Name, request.ScalerMetadata, out var trigger, out var errors)
            ? trigger
            : throw new RpcException(new Status(StatusCode.InvalidArgument, ErrorText.Join("invalid trigger metadata: ", errors)));
    }
}
