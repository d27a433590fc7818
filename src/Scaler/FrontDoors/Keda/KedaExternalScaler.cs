using System.Threading.Channels;
using Grpc.Core;
using Scaler.FrontDoors.Keda.Protocol;
using Scaler.Signals;
using Scaler.Triggers;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// KEDA's external scaler, a thin adapter: parse the metadata (<see cref="KedaTriggerCache"/>; INVALID_ARGUMENT
/// naming the key), ask <see cref="KedaDecisions"/>, map the answer. GetMetricSpec answers from the metadata alone; GetMetrics
/// returns the engine's desired replica count as the one value of a metric whose target is 1; "cannot
/// decide" is UNAVAILABLE with the reason, never 0, so KEDA's fallback can act.
/// </summary>
internal sealed class KedaExternalScaler : ExternalScaler.ExternalScalerBase
{
    /// <summary>A stream re-checks at least this often even without a signal refresh (a safety net, not the driver).</summary>
    private static readonly TimeSpan StreamRecheck = TimeSpan.FromSeconds(5);

    private readonly KedaTriggerCache _triggers;
    private readonly KedaDecisions _decisions;
    private readonly ReadingCache _readings;
    private readonly TimeProvider _time;
    private readonly CancellationToken _stopping;

    public KedaExternalScaler(KedaTriggerCache triggers, KedaDecisions decisions, ReadingCache readings, TimeProvider time, IHostApplicationLifetime lifetime)
    {
        ArgumentNullException.ThrowIfNull(lifetime);
        _triggers = triggers;
        _decisions = decisions;
        _readings = readings;
        _time = time;
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
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"metricName: expected '{spec.MetricName}' (the name GetMetricSpec returns), got '{request.MetricName}'"));
        }

        var decision = await _decisions.DecideAsync(spec, context.CancellationToken).ConfigureAwait(false);
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
        var decision = await _decisions.DecideAsync(spec, context.CancellationToken).ConfigureAwait(false);
        return decision.CannotDecide
            ? throw new RpcException(new Status(StatusCode.Unavailable, $"cannot tell whether {spec.ScaledObject} is active: {decision.Reason}"))
            : new IsActiveResponse { Result = decision.DesiredReplicas > 0 };
    }

    /// <summary>
    /// Sends <c>true</c> only on an inactive-to-active transition (a repeated <c>true</c> would postpone
    /// scale-to-zero forever, http-add-on #1792), within 1 s of the signal. While the stream is open
    /// it watches the trigger's signals in the <see cref="ReadingCache"/>: they refresh at the push interval
    /// (<c>Signals:&lt;source&gt;:PushRefreshInterval</c>), and the stream re-decides only when one of them
    /// changed value or status, not by polling every workload and not on every refresh. Ends cleanly when the
    /// client goes away, and the signals go back to their normal interval with the last stream. Ends (status
    /// OK) when the Scaler starts stopping: KEDA opens the stream again on another replica, and shutdown does
    /// not wait for the client until the pod's grace period runs out.
    /// </summary>
    public override async Task StreamIsActive(ScaledObjectRef request, IServerStreamWriter<IsActiveResponse> responseStream, ServerCallContext context)
    {
        var spec = Parse(request);
        var changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

        // Watched before the first decision, so that the first read of a new key already runs at the push interval.
        var watches = spec.Queries.Values.DistinctBy(q => q.Key, StringComparer.Ordinal)
            .Select(q => _readings.Watch(q, () => changed.Writer.TryWrite(true))).ToList();
        using var open = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _stopping);
        try
        {
            var wasActive = false;
            var ct = open.Token;
            while (!ct.IsCancellationRequested)
            {
                var decision = await _decisions.DecideAsync(spec, ct).ConfigureAwait(false);
                if (!decision.CannotDecide)
                {
                    var active = decision.DesiredReplicas > 0;
                    if (active && !wasActive)
                    {
                        await responseStream.WriteAsync(new IsActiveResponse { Result = true }, ct).ConfigureAwait(false);
                    }

                    // KEDA ignores false on the stream; deactivation follows its polling and cooldown.
                    wasActive = active;
                }

                using var after = new CancellationTokenSource(StreamRecheck, _time);
                using var recheck = CancellationTokenSource.CreateLinkedTokenSource(ct, after.Token);
                try
                {
                    await changed.Reader.ReadAsync(recheck.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                }
            }
        }
        catch (OperationCanceledException) when (open.IsCancellationRequested)
        {
            // The client went away, or the Scaler is stopping: end the stream quietly.
        }
        finally
        {
            foreach (var watch in watches)
            {
                watch.Dispose();
            }
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
            : throw new RpcException(new Status(StatusCode.InvalidArgument, "invalid trigger metadata: " + string.Join("; ", errors)));
    }
}
