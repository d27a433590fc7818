using Scaler.Signals.GpuFleet;
using Scaler.Signals.InferenceServer;
using Scaler.Signals.Kubernetes;
using Scaler.Signals.Prometheus;
using Scaler.Signals.RabbitMq;

namespace Scaler.Signals;

internal static class SignalSourcesServiceCollectionExtensions
{
    /// <summary>
    /// Every signal source, one line each (its reader, options and trigger keys; docs/signals.md, "Adding a
    /// source"), and the Kubernetes view the pod-reading ones share. The order is the order of a trigger's
    /// signals: ties between proposals go to the earlier, so demand comes first.
    /// </summary>
    public static IServiceCollection AddSignalSources(this IServiceCollection services) => services
        .AddKubernetesWorkloads()
        .AddInferenceServerSignals()
        .AddPrometheusSignals()
        .AddRabbitMqSignals()
        .AddGpuFleetSignals();
}
