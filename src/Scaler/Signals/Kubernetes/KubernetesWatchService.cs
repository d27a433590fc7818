using Microsoft.Extensions.Hosting;

namespace Scaler.Signals.Kubernetes;

/// <summary>
/// Ties the caches to the host's lifetime: resolving <see cref="IWorkloadPods"/> at start logs a missing
/// cluster at once (not on the first trigger) and starts the exporter cache; stopping ends every watch.
/// </summary>
internal sealed class KubernetesWatchService(IWorkloadPods pods) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (pods is KubernetesWorkloadPods kubernetes)
        {
            kubernetes.StartExporterCache();
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (pods is KubernetesWorkloadPods kubernetes)
        {
            await kubernetes.DisposeAsync().ConfigureAwait(false);
        }
    }
}
