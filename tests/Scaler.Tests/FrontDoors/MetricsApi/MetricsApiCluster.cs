using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scaler.FrontDoors.MetricsApi;
using Scaler.Signals.GpuFleet;
using Scaler.Signals.InferenceServer;
using Scaler.Signals.Kubernetes;
using Scaler.Tests.FrontDoors.Keda;
using Scaler.Tests.Hosting;
using Scaler.Tests.Signals.Kubernetes;
using Scaler.Tests.Signals.PrometheusText;
using Scaler.Testing;

namespace Scaler.Tests.FrontDoors.MetricsApi;

/// <summary>
/// A cluster for the custom metrics API, all on loopback: the fake Kubernetes API (pods of a vLLM Deployment
/// on two GPU nodes, the NvmlExporter pods, the Deployment with its policy annotations and /scale, the
/// <c>extension-apiserver-authentication</c> ConfigMap with a test front-proxy CA), the pods' and exporters'
/// /metrics on a loopback server, and the Scaler as Program composes it, reading all of that, with a serving
/// certificate of the test's CA on its HTTPS port.
/// </summary>
internal sealed class MetricsApiCluster : IAsyncDisposable
{
    public const string Namespace = "llm";
    public const string Deployment = "llama-vllm";
    internal static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    private IReadOnlyDictionary<string, string?> _settings = new Dictionary<string, string?>();

    private MetricsApiCluster(TestPki pki, FakeKubeApi api, LoopbackMetricsServer metrics, KedaScalerHost scaler)
    {
        Pki = pki;
        Api = api;
        Metrics = metrics;
        Scaler = scaler;
    }

    public TestPki Pki { get; }

    public FakeKubeApi Api { get; }

    public LoopbackMetricsServer Metrics { get; }

    public KedaScalerHost Scaler { get; }

    /// <summary>The front proxy's CA, published in the ConfigMap as requestheader-client-ca-file.</summary>
    public static X509Certificate2 FrontProxyCa { get; } = TestPki.CreateCa("front-proxy-ca");

    /// <summary>The cluster's client CA (client-ca-file): its certificates are users.</summary>
    public static X509Certificate2 ClusterCa { get; } = TestPki.CreateCa("kubernetes");

    /// <summary>kube-apiserver's proxy client certificate: signed by the front-proxy CA, an allowed name.</summary>
    public static X509Certificate2 FrontProxyClient { get; } = TestPki.Issue(FrontProxyCa, "front-proxy-client", ClientAuth);

    /// <summary>Signed by the front-proxy CA, but not an allowed name.</summary>
    public static X509Certificate2 DisallowedProxyClient { get; } = TestPki.Issue(FrontProxyCa, "someone-else", ClientAuth);

    /// <summary>front-proxy-client, but from a CA the cluster does not publish.</summary>
    public static X509Certificate2 ProxyClientOfOtherCa { get; } = TestPki.Issue(TestPki.CreateCa("front-proxy-ca"), "front-proxy-client", ClientAuth);

    /// <summary>An administrator's certificate from the cluster's client CA (user admin, group system:masters).</summary>
    public static X509Certificate2 Admin { get; } = TestPki.Issue(ClusterCa, "CN=admin, O=system:masters", ClientAuth);

    /// <summary>A user from the cluster's client CA who is not a master: authorized by SubjectAccessReview.</summary>
    public static X509Certificate2 Alice { get; } = TestPki.Issue(ClusterCa, "CN=alice, O=ml-team", ClientAuth);

    public Uri HttpsAddress => Scaler.HttpsAddress;

    /// <summary>
    /// The cluster with three vLLM pods (vllm-0 and vllm-1 on gpu-a, vllm-2 on gpu-b), waiting requests 30, 20, 10
    /// and GPU utilization 80, 60, 60 % (vllm-2 holds two GPUs at 50 and 70), plus a pod of another app.
    /// </summary>
    public static async Task<MetricsApiCluster> StartAsync(IDictionary<string, string?>? settings = null, ILoggerProvider? logging = null)
    {
        var pki = new TestPki();
        var api = await FakeKubeApi.StartAsync();
        var metrics = await LoopbackMetricsServer.StartAsync();
        api.Apply(AuthenticationConfigMap(FrontProxyCa, ClusterCa));
        api.Apply(VllmDeployment(Deployment, ("scaler.dev/scaleUpLimit", "10/15s"), ("deployment.kubernetes.io/revision", "1")));
        var vllm = new Dictionary<string, string> { ["app"] = "vllm", ["pod-template-hash"] = "7d9f8b6c5" };
        api.Apply(FakeKubeObjects.Pod(Namespace, "vllm-0", vllm, node: "gpu-a", ip: "10.0.1.10"));
        api.Apply(FakeKubeObjects.Pod(Namespace, "vllm-1", vllm, node: "gpu-a", ip: "10.0.1.11"));
        api.Apply(FakeKubeObjects.Pod(Namespace, "vllm-2", vllm, node: "gpu-b", ip: "10.0.2.10"));
        api.Apply(FakeKubeObjects.Pod(Namespace, "other-0", new Dictionary<string, string> { ["app"] = "other" }, node: "gpu-b", ip: "10.0.2.11"));
        foreach (var node in new[] { "gpu-a", "gpu-b" })
        {
            api.Apply(FakeKubeObjects.Pod("scaler-system", $"nvml-exporter-{node}", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "nvml-exporter" }, node: node, ip: node == "gpu-a" ? "10.0.1.2" : "10.0.2.2"));
        }

        SetWaiting(metrics, ("vllm-0", 30), ("vllm-1", 20), ("vllm-2", 10), ("other-0", 99));
        metrics.Text("/nodes/gpu-a", Exporter(("GPU-a0", "vllm-0", 80, 40), ("GPU-a1", "vllm-1", 60, 20)));
        metrics.Text("/nodes/gpu-b", Exporter(("GPU-b0", "vllm-2", 50, 10), ("GPU-b1", "vllm-2", 70, 30), ("GPU-b1", "other-0", 70, 30)));

        var (certificate, key) = pki.WritePair("https", pki.Server);
        var all = new Dictionary<string, string?>
        {
            ["Scaler:Host:HttpsTls:CertificatePath"] = certificate,
            ["Scaler:Host:HttpsTls:KeyPath"] = key,
            ["Scaler:MetricsApi:AuthenticationRefresh"] = "1s",
            ["Scaler:Events:Enabled"] = "false",
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string?>())
        {
            all[name] = value;
        }

        var scaler = await StartScalerAsync(api, metrics, all, logging);
        return new MetricsApiCluster(pki, api, metrics, scaler) { _settings = all };
    }

    /// <summary>
    /// Another Scaler replica of this cluster (the same API, pods, exporters and certificate) with
    /// <paramref name="settings"/> over the first's, such as leader election. The caller disposes it.
    /// </summary>
    public Task<KedaScalerHost> StartReplicaAsync(IDictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?>(_settings);
        foreach (var (name, value) in settings)
        {
            all[name] = value;
        }

        return StartScalerAsync(Api, Metrics, all, logging: null);
    }

    private static async Task<KedaScalerHost> StartScalerAsync(FakeKubeApi api, LoopbackMetricsServer metrics, IDictionary<string, string?> settings, ILoggerProvider? logging)
    {
        var client = api.CreateClient();
        var scaler = await KedaScalerHost.StartAsync(
            configure: services =>
            {
                services.AddSingleton(new KubernetesCluster(client, null));
                services.AddSingleton<IWorkloadPods>(sp => new KubernetesWorkloadPods(client, sp.GetRequiredService<IOptions<KubernetesOptions>>().Value, TimeProvider.System, sp.GetRequiredService<ILogger<KubernetesWorkloadPods>>()));
                services.Configure<InferenceServerOptions>(o => o.EndpointResolver = pod => metrics.Url($"/pods/{pod.Name}"));
                services.Configure<GpuFleetOptions>(o => o.EndpointResolver = pod => metrics.Url($"/nodes/{pod.NodeName}"));
            },
            settings: settings,
            logging: logging);
        // Ready when the Scaler knows the front proxy's CA (read from the ConfigMap in the background).
        var authentication = scaler.Services.GetRequiredService<RequestHeaderSource>();
        await Eventually.HoldsAsync(() => authentication.Current.ClientCas.Count > 0);
        return scaler;
    }

    /// <summary>
    /// A Deployment of the vLLM pods (app=vllm) with 3 replicas and a policy: pending requests, 5 per replica,
    /// 1 to 16 replicas, and <paramref name="more"/> annotations.
    /// </summary>
    public static JsonObject VllmDeployment(string name, params (string Key, string Value)[] more)
    {
        var deployment = FakeKubeObjects.Deployment(Namespace, name, new Dictionary<string, string> { ["app"] = "vllm" });
        deployment["spec"]!["replicas"] = 3;
        deployment["status"]!["replicas"] = 3;
        var annotations = new JsonObject
        {
            ["scaler.dev/server"] = "vllm",
            ["scaler.dev/sizing"] = "pending",
            ["scaler.dev/pendingRequestsTarget"] = "5",
            ["scaler.dev/minReplicas"] = "1",
            ["scaler.dev/maxReplicas"] = "16",
        };
        foreach (var (key, value) in more)
        {
            annotations[key] = value;
        }

        deployment["metadata"]!["annotations"] = annotations;
        return deployment;
    }

    /// <summary>Serves each pod's vLLM metrics with <paramref name="waiting"/> requests waiting (and half as many running).</summary>
    public static void SetWaiting(LoopbackMetricsServer metrics, params (string Pod, double Waiting)[] waiting)
    {
        foreach (var (pod, count) in waiting)
        {
            metrics.Text($"/pods/{pod}", Signals.InferenceServer.ModelServerMetrics.Vllm(count, count / 2));
        }
    }

    /// <summary>An NvmlExporter document: per GPU its pod (attributed through the kubelet), utilization % and memory GiB.</summary>
    public static string Exporter(params (string Uuid, string Pod, double Utilization, double UsedGiB)[] gpus)
    {
        var c = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            "# HELP gpu_utilization_percent Percent of the last sample period in which one or more kernels ran (NVML duty cycle); absent on MIG.",
            "# TYPE gpu_utilization_percent gauge",
        };
        string Labels((string Uuid, string Pod, double, double) g, int i) =>
            $"gpu=\"{i}\",uuid=\"{g.Uuid}\",pci_bus_id=\"00000000:{17 + i:X2}:00.0\",device=\"nvidia{i}\",model_name=\"NVIDIA H100 80GB HBM3\",hostname=\"node\",namespace=\"{(g.Pod.StartsWith("vllm", StringComparison.Ordinal) ? Namespace : Namespace)}\",pod=\"{g.Pod}\",container=\"vllm\"";
        lines.AddRange(gpus.Select((g, i) => $"gpu_utilization_percent{{{Labels(g, i)}}} {g.Utilization.ToString(c)}"));
        lines.Add("# TYPE gpu_memory_used_bytes gauge");
        lines.AddRange(gpus.Select((g, i) => $"gpu_memory_used_bytes{{{Labels(g, i)}}} {(g.UsedGiB * 1024 * 1024 * 1024).ToString(c)}"));
        lines.Add("# TYPE gpu_memory_total_bytes gauge");
        lines.AddRange(gpus.Select((g, i) => $"gpu_memory_total_bytes{{{Labels(g, i)}}} 85520809984"));
        lines.Add("# TYPE nvml_exporter_nvml_up gauge");
        lines.Add("nvml_exporter_nvml_up 1");
        lines.Add("# TYPE nvml_exporter_last_sample_age_seconds gauge");
        lines.Add("nvml_exporter_last_sample_age_seconds 0.4");
        return string.Join('\n', lines) + "\n";
    }

    /// <summary>The ConfigMap kube-apiserver maintains in kube-system for aggregated API servers.</summary>
    public static JsonObject AuthenticationConfigMap(X509Certificate2 frontProxyCa, X509Certificate2 clientCa) => new()
    {
        ["kind"] = "ConfigMap",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject { ["name"] = "extension-apiserver-authentication", ["namespace"] = "kube-system" },
        ["data"] = new JsonObject
        {
            ["client-ca-file"] = TestPki.CertificatePem(clientCa),
            ["requestheader-client-ca-file"] = TestPki.CertificatePem(frontProxyCa),
            ["requestheader-allowed-names"] = "[\"front-proxy-client\"]",
            ["requestheader-username-headers"] = "[\"X-Remote-User\"]",
            ["requestheader-group-headers"] = "[\"X-Remote-Group\"]",
            ["requestheader-extra-headers-prefix"] = "[\"X-Remote-Extra-\"]",
        },
    };

    /// <summary>A proxy that forwards to the Scaler as the aggregator does, with <paramref name="certificate"/>.</summary>
    public Task<AggregatorProxy> AggregatorAsync(X509Certificate2? certificate) => AggregatorProxy.StartAsync(HttpsAddress, Pki.ServerCa, certificate);

    public async ValueTask DisposeAsync()
    {
        await Scaler.DisposeAsync();
        await Metrics.DisposeAsync();
        await Api.DisposeAsync();
        Pki.Dispose();
    }
}
