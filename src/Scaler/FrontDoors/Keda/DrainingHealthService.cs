using Grpc.Core;
using Grpc.Health.V1;
using Grpc.HealthCheck;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// grpc.health.v1 whose Watch streams end at shutdown: each sends the status now, then NOT_SERVING once the host
/// starts stopping, and completes (status OK), so Kestrel's drain does not wait for watching clients until its
/// shutdown timeout. Statuses are set only at start (SERVING) and when stopping (NOT_SERVING), so a Watch needs
/// no other change notifications. Check is the library's.
/// </summary>
internal sealed class DrainingHealthService(IHostApplicationLifetime lifetime) : HealthServiceImpl
{
    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var stopping = lifetime.ApplicationStopping;
        await responseStream.WriteAsync(await StatusAsync(request, context).ConfigureAwait(false)).ConfigureAwait(false);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, ended.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
        }

        if (stopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            await responseStream.WriteAsync(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.NotServing }).ConfigureAwait(false);
        }
    }

    /// <summary>The service's status as Check answers it; a service never registered is SERVICE_UNKNOWN (the Watch contract).</summary>
    private async Task<HealthCheckResponse> StatusAsync(HealthCheckRequest request, ServerCallContext context)
    {
        try
        {
            return await Check(request, context).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.ServiceUnknown };
        }
    }
}
