using System.Text.Json;
using System.Text.RegularExpressions;
using Deploy.Tests.Support;
using NvmlExporter.Hosting;

namespace Deploy.Tests.Exporter;

/// <summary>
/// deploy/exporter, rendered by kustomize, against the exporter's code: the settings it reads, the port it
/// listens on, its endpoints, the socket it dials. Every check runs on the base and on each overlay.
/// </summary>
public sealed class ExporterManifestTests
{
    private const string Name = "nvml-exporter";
    private const string Namespace = "scaler-system";

    public static TheoryData<string> Kustomizations => new()
    {
        "deploy/exporter/base",
        "deploy/exporter/overlays/gpu-operator",
        "deploy/exporter/overlays/standalone",
    };

    // Read by the NVIDIA container toolkit when it creates the container, not by the exporter.
    private static readonly string[] ToolkitVariables = ["NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES"];

    private static JsonElement DaemonSet(string directory) => Kustomize.Render(directory).One("DaemonSet", Name);

    private static JsonElement Container(string directory) => DaemonSet(directory).Container(Name);

    /// <summary>The container's settings as the exporter parses them, with the node name the kubelet would give.</summary>
    private static ExporterSettings Settings(string directory)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var variable in Container(directory).Items("env"))
        {
            environment[variable.Text("name")!] = variable.Find("valueFrom") is null ? variable.Text("value") ?? string.Empty : "gpu-node-a";
        }

        return ExporterSettings.Parse([], environment);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Env_EveryName_IsReadByTheExporterOrTheToolkit(string directory)
    {
        var read = ExporterSettings.ProcessEnvironment().Keys.ToHashSet(StringComparer.Ordinal);

        var names = Container(directory).Items("env").Select(e => e.Text("name")!).ToList();

        Assert.NotEmpty(names);
        Assert.All(names, name => Assert.True(
            read.Contains(name) || ToolkitVariables.Contains(name),
            $"{directory}: env {name} is read by neither the exporter ({string.Join(", ", read)}) nor the NVIDIA toolkit."));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Env_Values_ParseWithoutErrors(string directory)
    {
        var settings = Settings(directory);

        Assert.True(settings.IsValid, $"{directory}: {string.Join(" ", settings.Errors)}");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Env_NodeName_ComesFromTheNodeTheKubeletRunsOn(string directory)
    {
        var nodeName = Container(directory).Named("env", "NODE_NAME");

        Assert.Equal("spec.nodeName", nodeName.Text("valueFrom.fieldRef.fieldPath"));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Gpus_AllVisibleThroughTheToolkit_NoneRequested(string directory)
    {
        var container = Container(directory);

        Assert.Equal("all", container.Named("env", "NVIDIA_VISIBLE_DEVICES").Text("value"));
        Assert.Contains("utility", container.Named("env", "NVIDIA_DRIVER_CAPABILITIES").Text("value")!.Split(','));
        foreach (var section in new[] { "resources.requests", "resources.limits" })
        {
            var names = container.Find(section)?.EnumerateObject().Select(p => p.Name) ?? [];
            Assert.DoesNotContain(names, n => n.StartsWith("nvidia.com/", StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Probes_HealthzAndReadyz_OnThePortTheExporterListensOn(string directory)
    {
        var container = Container(directory);
        var listen = Settings(directory).Options.Listen.Port;

        Assert.Equal("/healthz", container.Text("livenessProbe.httpGet.path"));
        Assert.Equal("/readyz", container.Text("readinessProbe.httpGet.path"));
        Assert.Equal(listen, container.ResolvePort(container.At("livenessProbe.httpGet.port")));
        Assert.Equal(listen, container.ResolvePort(container.At("readinessProbe.httpGet.port")));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Scrape_ServiceAndServiceMonitor_ReachMetricsOnTheListenPort(string directory)
    {
        var manifests = Kustomize.Render(directory);
        var daemonSet = DaemonSet(directory);
        var container = daemonSet.Container(Name);
        var service = manifests.One("Service", Name);
        var monitor = manifests.One("ServiceMonitor", Name);
        var endpoint = Assert.Single(monitor.Items("spec.endpoints"));
        var port = service.Named("spec.ports", endpoint.Text("port")!);

        Assert.Equal("None", service.Text("spec.clusterIP"));
        Assert.Equal("metrics", port.Text("name"));
        Assert.Equal(Settings(directory).Options.Listen.Port, container.ResolvePort(port.At("targetPort")));
        Assert.Equal("/metrics", endpoint.Text("path") ?? "/metrics");
        Assert.True(service.At("spec.selector").Selects(daemonSet.At("spec.template.metadata.labels")), "the Service does not select the exporter pods");
        Assert.True(monitor.At("spec.selector.matchLabels").Selects(service.At("metadata.labels")), "the ServiceMonitor does not select the Service");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void PodResources_SocketDirectory_IsMountedReadOnlyFromTheHost(string directory)
    {
        var daemonSet = DaemonSet(directory);
        var socket = Settings(directory).Options.PodResourcesSocket;
        var socketDirectory = socket[..socket.LastIndexOf('/')];
        var mount = daemonSet.Container(Name).Items("volumeMounts").Single(m => m.Text("mountPath") == socketDirectory);
        var volume = daemonSet.PodSpec().Named("volumes", mount.Text("name")!);

        // The directory, so a restarted kubelet's new socket is seen; not the socket file itself.
        Assert.Equal(socketDirectory, volume.Text("hostPath.path"));
        Assert.Equal("Directory", volume.Text("hostPath.type"));
        Assert.True(mount.Find("readOnly")?.GetBoolean(), "the pod-resources mount is writable");
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Security_RootForTheSocket_NothingElse(string directory)
    {
        var pod = DaemonSet(directory).PodSpec();
        var security = Container(directory).At("securityContext");

        // The pod-resources socket is root's and not group- or world-accessible.
        Assert.Equal(0, security.At("runAsUser").GetInt32());
        Assert.False(security.At("allowPrivilegeEscalation").GetBoolean());
        Assert.True(security.At("readOnlyRootFilesystem").GetBoolean());
        Assert.False(security.Find("privileged")?.GetBoolean() ?? false);
        Assert.Contains("ALL", security.Items("capabilities.drop").Select(c => c.GetString()));
        Assert.Empty(security.Items("capabilities.add"));
        Assert.All(new[] { "hostPID", "hostIPC", "hostNetwork" }, field => Assert.False(pod.Find(field)?.GetBoolean() ?? false, field));
        Assert.False(pod.At("automountServiceAccountToken").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Scheduling_EveryGpuNode_CriticalAndRolling(string directory)
    {
        var daemonSet = DaemonSet(directory);
        var pod = daemonSet.PodSpec();

        Assert.Contains(pod.Items("tolerations"), t => t.Text("key") == "nvidia.com/gpu" && t.Text("effect") == "NoSchedule" && t.Text("operator") == "Exists");
        Assert.Equal("system-node-critical", pod.Text("priorityClassName"));
        Assert.Equal("RollingUpdate", daemonSet.Text("spec.updateStrategy.type"));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Resources_MemoryLimit_FitsTheExporterBudget(string directory)
    {
        var resources = Container(directory).At("resources");
        var limit = Json.Bytes(resources.Text("limits.memory")!);
        var request = Json.Bytes(resources.Text("requests.memory")!);

        // The one-hour soak (docs/exporter.md): 34 MiB steady, 36.5 MiB peak. The request covers the steady state;
        // the limit leaves at least half the peak again for what the fake cannot show (a real driver's own
        // allocations), and stays under twice the goal so that a leak is stopped early.
        const long SteadyMiB = 34, PeakKiB = 37_412;
        Assert.InRange(request, SteadyMiB << 20, limit);
        Assert.InRange(limit, PeakKiB * 1024 * 3 / 2, 80L << 20);
        Assert.NotNull(resources.Text("limits.cpu"));
        Assert.NotNull(resources.Text("requests.cpu"));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void ServiceMonitor_ExporterLabels_WinAndIdleGpusStayUnattributed(string directory)
    {
        var endpoint = Assert.Single(Kustomize.Render(directory).One("ServiceMonitor", Name).Items("spec.endpoints"));
        // Prometheus anchors relabel regexes at both ends.
        var dropped = endpoint.Items("relabelings")
            .Where(r => r.Text("action")?.Equals("labeldrop", StringComparison.OrdinalIgnoreCase) == true)
            .Select(r => new Regex($"^(?:{r.Text("regex")})$", RegexOptions.None, TimeSpan.FromSeconds(1)))
            .ToList();

        Assert.True(endpoint.At("honorLabels").GetBoolean(), "without honorLabels the exporter's pod label becomes exported_pod");
        Assert.Equal("5s", endpoint.Text("interval"));
        Assert.All(new[] { "pod", "namespace", "container" }, label => Assert.True(dropped.Any(r => r.IsMatch(label)), $"the target's {label} label would be put on unattributed series"));
        Assert.All(new[] { "instance", "job", "service", "Hostname", "gpu", "UUID" }, label => Assert.False(dropped.Any(r => r.IsMatch(label)), $"{label} is dropped"));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Namespace_EveryObject_InScalerSystem_WhichAllowsHostPath(string directory)
    {
        var manifests = Kustomize.Render(directory);
        var ns = manifests.One("Namespace", Namespace);

        // Pod Security "baseline" forbids hostPath volumes.
        Assert.Equal("privileged", ns.At("metadata.labels").Property("pod-security.kubernetes.io/enforce"));
        Assert.All(manifests.Objects.Where(o => o.Text("kind") != "Namespace"), o => Assert.Equal(Namespace, o.Text("metadata.namespace")));
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Image_IsTheDocumentedPlaceholder(string directory) =>
        Assert.Equal("ghcr.io/scaler-dev/nvml-exporter:0.1.0", Container(directory).Text("image"));

    [Fact]
    public void GpuOperatorOverlay_Pods_UseTheNvidiaRuntimeOnGpuNodes()
    {
        var pod = DaemonSet("deploy/exporter/overlays/gpu-operator").PodSpec();

        Assert.Equal("nvidia", pod.Text("runtimeClassName"));
        Assert.Equal("true", pod.At("nodeSelector").Property("nvidia.com/gpu.present"));
    }

    [Theory]
    // The node's default runtime is the nvidia runtime.
    [InlineData("deploy/exporter/overlays/standalone")]
    // The base is what every overlay starts from.
    [InlineData("deploy/exporter/base")]
    public void Pods_WithoutTheGpuOperator_UseTheDefaultRuntime(string directory) =>
        Assert.Null(DaemonSet(directory).PodSpec().Find("runtimeClassName"));
}
