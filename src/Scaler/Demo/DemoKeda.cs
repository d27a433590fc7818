using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Scaler.FrontDoors.Keda.Protocol;

namespace Scaler.Demo;

/// <summary>
/// What KEDA and the HPA it creates do with the demo's ScaledObject, over the Scaler's real gRPC port: the
/// metric spec once; <c>IsActive</c> every polling interval (activate at zero, deactivate after the cooldown
/// down to <c>minReplicaCount</c>); a <c>StreamIsActive</c> stream whose <c>true</c> activates at once; and
/// every 15 s the HPA's sync: <c>GetMetrics</c>, <c>ceil(value / 1)</c> outside the 10% tolerance, within
/// min and max (the ScaledObject's behaviour never binds), written to the deployment. A failed
/// <c>GetMetrics</c> keeps the count; <c>failureThreshold</c> of them in a row apply KEDA's fallback.
/// </summary>
internal sealed partial class DemoKeda(
    DemoDeployment deployment,
    DemoScaledObject scaledObject,
    IServer server,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<DemoKeda> log) : BackgroundService
{
    /// <summary>The HPA controller's sync period.</summary>
    public static readonly TimeSpan HpaSync = TimeSpan.FromSeconds(15);

    /// <summary>The HPA's tolerance.</summary>
    public const double Tolerance = 0.1;

    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(5);
    private DateTimeOffset? _lastActive;
    private int _failures;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await StartedAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        var address = server.Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            // Loopback only: no proxy may take the call elsewhere.
            HttpHandler = new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true },
        });
        var client = new ExternalScaler.ExternalScalerClient(channel);
        var reference = new ScaledObjectRef { Namespace = DemoScaledObject.Namespace, Name = DemoScaledObject.Name };
        reference.ScalerMetadata.Add("scalerAddress", new Uri(address).Authority);
        foreach (var (key, value) in scaledObject.Metadata)
        {
            reference.ScalerMetadata[key] = value;
        }
        try
        {
            var metricName = await MetricNameAsync(client, reference, stoppingToken).ConfigureAwait(false);
            var stream = StreamAsync(client, reference, stoppingToken);
            var nextPoll = time.GetUtcNow();
            var nextSync = nextPoll;
            while (!stoppingToken.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                if (now >= nextPoll)
                {
                    nextPoll = now + scaledObject.PollingInterval;
                    await PollAsync(client, reference, now, stoppingToken).ConfigureAwait(false);
                }

                if (now >= nextSync)
                {
                    nextSync = now + HpaSync;
                    await SyncAsync(client, reference, metricName, stoppingToken).ConfigureAwait(false);
                }

                var wait = (nextPoll < nextSync ? nextPoll : nextSync) - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
                }
            }

            await stream.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        try
        {
            await started.Task.ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    // As KEDA when it creates the HPA: asked until it answers.
    private async Task<string> MetricNameAsync(ExternalScaler.ExternalScalerClient client, ScaledObjectRef reference, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                var spec = await client.GetMetricSpecAsync(reference, deadline: Deadline(), cancellationToken: stoppingToken).ConfigureAwait(false);
                return spec.MetricSpecs[0].MetricName;
            }
            catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
            {
                LogCallFailed(log, "GetMetricSpec", e.Status.StatusCode, e.Status.Detail);
                await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task PollAsync(ExternalScaler.ExternalScalerClient client, ScaledObjectRef reference, DateTimeOffset now, CancellationToken stoppingToken)
    {
        try
        {
            var active = (await client.IsActiveAsync(reference, deadline: Deadline(), cancellationToken: stoppingToken).ConfigureAwait(false)).Result;
            var (current, _) = deployment.Counts();
            if (active)
            {
                _lastActive = now;
                if (current == 0)
                {
                    Apply(0, Math.Max(1, scaledObject.MinReplicas), "KEDA activates: IsActive true at zero");
                }
            }
            else if (current > scaledObject.MinReplicas && scaledObject.MinReplicas == 0 && (_lastActive is null || now - _lastActive >= scaledObject.CooldownPeriod))
            {
                Apply(current, 0, "KEDA deactivates: inactive for the cooldown period");
            }
        }
        catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
        {
            LogCallFailed(log, "IsActive", e.Status.StatusCode, e.Status.Detail);
        }
    }

    private async Task SyncAsync(ExternalScaler.ExternalScalerClient client, ScaledObjectRef reference, string metricName, CancellationToken stoppingToken)
    {
        var (current, _) = deployment.Counts();
        if (current == 0)
        {
            // At zero the HPA is disabled; only KEDA's activation moves the count.
            return;
        }

        double value;
        try
        {
            var response = await client.GetMetricsAsync(new GetMetricsRequest { ScaledObjectRef = reference, MetricName = metricName }, deadline: Deadline(), cancellationToken: stoppingToken).ConfigureAwait(false);
            value = response.MetricValues[0].MetricValueFloat;
            _failures = 0;
        }
        catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
        {
            _failures++;
            LogCallFailed(log, "GetMetrics", e.Status.StatusCode, e.Status.Detail);
            if (_failures >= scaledObject.FailureThreshold)
            {
                Apply(current, scaledObject.FallbackReplicas, $"KEDA fallback after {_failures} failed GetMetrics");
            }

            return;
        }

        var desired = Math.Abs((value / current) - 1) <= Tolerance ? current : (int)Math.Ceiling(value);
        desired = Math.Clamp(desired, Math.Max(1, scaledObject.MinReplicas), scaledObject.MaxReplicas);
        Apply(current, desired, $"HPA: metric {value:0.###}, target 1 per replica");
    }

    private async Task StreamAsync(ExternalScaler.ExternalScalerClient client, ScaledObjectRef reference, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var call = client.StreamIsActive(reference, cancellationToken: stoppingToken);
                while (await call.ResponseStream.MoveNext(stoppingToken).ConfigureAwait(false))
                {
                    if (call.ResponseStream.Current.Result && deployment.Counts().Current == 0)
                    {
                        Apply(0, Math.Max(1, scaledObject.MinReplicas), "KEDA activates: StreamIsActive sent true");
                    }
                }
            }
            catch (RpcException e) when (!stoppingToken.IsCancellationRequested)
            {
                LogCallFailed(log, "StreamIsActive", e.Status.StatusCode, e.Status.Detail);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            // KEDA opens the stream again after a pause.
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Apply(int current, int desired, string why)
    {
        if (desired == current)
        {
            return;
        }

        deployment.Scale(desired);
        LogScaled(log, DemoScaledObject.Namespace, DemoScaledObject.Target, current, desired, why);
    }

    // gRPC deadlines are wall-clock: the network is not accelerated, only the workload's time.
    private static DateTime Deadline() => TimeProvider.System.GetUtcNow().UtcDateTime + CallDeadline;

    [LoggerMessage(EventId = 910, Level = LogLevel.Information, Message = "Deployment {Namespace}/{Target}: {From} -> {To} replicas ({Why})")]
    private static partial void LogScaled(ILogger logger, string @namespace, string target, int from, int to, string why);

    [LoggerMessage(EventId = 911, Level = LogLevel.Warning, Message = "KEDA's {Call} failed: {Code} {Detail}")]
    private static partial void LogCallFailed(ILogger logger, string call, StatusCode code, string detail);
}
