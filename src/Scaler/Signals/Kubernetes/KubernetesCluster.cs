using k8s;

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
