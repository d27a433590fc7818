using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scaler.Durations;

namespace Scaler.Signals.Kubernetes;

/// <summary>The Kubernetes API the Scaler talks to, or why there is none.</summary>
/// <param name="Client">The client; null when there is no cluster.</param>
/// <param name="UnavailableReason">Why there is no client (no kubeconfig and no service account, or an unreadable kubeconfig).</param>
internal sealed record KubernetesCluster(IKubernetes? Client, string? UnavailableReason)
{
    public const string NoClusterReason = "not running in a cluster: no kubeconfig or service account";

    /// <summary>
    /// The explicit kubeconfig when <see cref="KubernetesOptions.KubeconfigPath"/> is set; else the in-cluster
    /// service account when running in a pod; else <c>$KUBECONFIG</c> or <c>~/.kube/config</c> when present;
    /// else no cluster.
    /// </summary>
    public static KubernetesCluster Connect(KubernetesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            KubernetesClientConfiguration? configuration = null;
            if (!string.IsNullOrEmpty(options.KubeconfigPath))
            {
                // The client fails on an empty file with a NullReferenceException: say what is wrong instead.
                if (File.Exists(options.KubeconfigPath) && IsEmpty(options.KubeconfigPath))
                {
                    return new KubernetesCluster(null, $"the Kubernetes client configuration could not be loaded: {options.KubeconfigPath} is empty");
                }

                configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(options.KubeconfigPath, options.KubeconfigContext);
            }
            else if (KubernetesClientConfiguration.IsInCluster())
            {
                configuration = KubernetesClientConfiguration.InClusterConfig();
            }
            else if (DefaultKubeconfig() is { } path)
            {
                configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(path, options.KubeconfigContext);
            }

            return configuration is null ? new KubernetesCluster(null, NoClusterReason) : new KubernetesCluster(new k8s.Kubernetes(configuration), null);
        }
        // YAML errors for a file that is not YAML: out of a cluster the Scaler still serves.
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException or FormatException
            or YamlDotNet.Core.YamlException)
        {
            // The message names the file or field at fault; kubeconfig parsing does not echo secrets.
            return new KubernetesCluster(null, $"the Kubernetes client configuration could not be loaded: {e.GetType().Name}: {e.Message}");
        }
    }

    private static string? DefaultKubeconfig()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            var first = fromEnvironment.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            // KUBECONFIG=/dev/null (or any empty file) says "no cluster".
            return first is not null && File.Exists(first) && !IsEmpty(first) ? first : null;
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var path = Path.Combine(home, ".kube", "config");
        return home.Length > 0 && File.Exists(path) && !IsEmpty(path) ? path : null;
    }

    // Whitespace only counts as empty too. /dev/null reads as empty.
    private static bool IsEmpty(string path)
    {
        using var reader = new StreamReader(path);
        var buffer = new char[4096];
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (buffer.AsSpan(0, read).ContainsAnyExcept(" \t\r\n"))
            {
                return false;
            }
        }

        return true;
    }
}

internal static class KubernetesServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IWorkloadPods"/>: the watch caches of <see cref="KubernetesWorkloadPods"/> when a
    /// cluster is configured (see <see cref="KubernetesCluster.Connect"/>), else an implementation that answers
    /// unknown with the reason and logs it once. Binds <see cref="KubernetesOptions"/> from
    /// <c>Scaler:Kubernetes</c>, validated at start. A hosted service starts the exporter cache at start and
    /// stops every watch at shutdown. TryAdd*: tests register their own <see cref="KubernetesCluster"/> (a fake
    /// API server) or <see cref="IWorkloadPods"/> first.
    /// </summary>
    internal static IServiceCollection AddKubernetesWorkloads(this IServiceCollection services, Action<KubernetesOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        DurationConverter.Register();

        var options = services.AddOptions<KubernetesOptions>().BindConfiguration(KubernetesOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(
                static o => LabelSelector.TryParse(o.ExporterSelector, nameof(KubernetesOptions.ExporterSelector), out _, out _),
                $"{KubernetesOptions.SectionName}:{nameof(KubernetesOptions.ExporterSelector)} is not a valid label selector; {LabelSelector.ExpectedForm}")
            .Validate(static o => o.MaxBackoff >= o.InitialBackoff, $"{KubernetesOptions.SectionName}:{nameof(KubernetesOptions.MaxBackoff)} must be at least {nameof(KubernetesOptions.InitialBackoff)}")
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KubernetesOptions>, KubernetesOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => KubernetesCluster.Connect(sp.GetRequiredService<IOptions<KubernetesOptions>>().Value));
        services.TryAddSingleton<IWorkloadPods>(static sp =>
        {
            var cluster = sp.GetRequiredService<KubernetesCluster>();
            return cluster.Client is { } client
                ? new KubernetesWorkloadPods(
                    client,
                    sp.GetRequiredService<IOptions<KubernetesOptions>>().Value,
                    sp.GetRequiredService<TimeProvider>(),
                    sp.GetRequiredService<ILogger<KubernetesWorkloadPods>>())
                : new UnavailableWorkloadPods(cluster.UnavailableReason ?? KubernetesCluster.NoClusterReason, sp.GetRequiredService<ILogger<UnavailableWorkloadPods>>());
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KubernetesWatchService>());
        return services;
    }
}

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

/// <summary><see cref="IWorkloadPods"/> when there is no cluster: every answer is unknown with the reason, logged once.</summary>
internal sealed partial class UnavailableWorkloadPods : IWorkloadPods
{
    private readonly string _reason;

    public UnavailableWorkloadPods(string reason, ILogger<UnavailableWorkloadPods> logger)
    {
        _reason = reason;
        LogNoCluster(logger, reason);
    }

    public PodSet GetPods(WorkloadRef workload) => PodSet.Unknown(_reason);

    public PodSet GetExporters(IReadOnlyCollection<string> nodeNames) => PodSet.Unknown(_reason);

    [LoggerMessage(EventId = 406, Level = LogLevel.Warning, Message = "Kubernetes workload resolution is off ({Reason}); every pod and exporter answer is unknown, so the GPU and inference-server signals are unavailable")]
    private static partial void LogNoCluster(ILogger logger, string reason);
}
