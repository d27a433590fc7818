using System.Text.Json;
using Deploy.Tests.Support;
using Scaler.Hosting;

namespace Deploy.Tests.Scaler;

/// <summary>deploy/scaler/base: the Scaler Deployment, its Service and its RBAC (read-only, but for decision events).</summary>
public sealed class ScalerManifestTests
{
    private const string Directory = "deploy/scaler/base";
    private const string Name = "scaler";

    private static JsonElement Deployment => Kustomize.Render(Directory).One("Deployment", Name);

    [Fact]
    public void Probes_ReadinessReadyzLivenessHealthz_OnTheHostsHttpPort()
    {
        var container = Deployment.Container(Name);
        var httpPort = new ScalerHostOptions().HttpPort;

        Assert.Equal("/readyz", container.Text("readinessProbe.httpGet.path"));
        Assert.Equal("/healthz", container.Text("livenessProbe.httpGet.path"));
        Assert.Equal(httpPort, container.ResolvePort(container.At("readinessProbe.httpGet.port")));
        Assert.Equal(httpPort, container.ResolvePort(container.At("livenessProbe.httpGet.port")));
    }

    [Theory]
    // The base: h2c gRPC.
    [InlineData(Directory)]
    // TLS on the gRPC port: the probes stay on plain HTTP (a kubelet gRPC probe cannot speak TLS).
    [InlineData("deploy/scaler/overlays/grpc-tls")]
    public void Env_UrlOrPortVariables_None(string directory)
    {
        var names = Kustomize.Render(directory).One("Deployment", Name).Container(Name).Items("env").Select(e => e.Text("name")!);

        // Kestrel's Listen calls (Scaler:Host) override urls, http_ports and https_ports from any source, so
        // such a variable only misleads the reader about where the Scaler listens.
        Assert.All(names, name => Assert.False(IsUrlOrPortVariable(name), $"{directory}: {name} is ignored by the Scaler; set Scaler__Host__*Port instead"));
    }

    [Theory]
    // The variables the host reads for its URLs, under both host prefixes.
    [InlineData("ASPNETCORE_HTTP_PORTS", true)]
    [InlineData("ASPNETCORE_HTTPS_PORTS", true)]
    [InlineData("ASPNETCORE_URLS", true)]
    [InlineData("DOTNET_URLS", true)]
    [InlineData("aspnetcore_urls", true)]
    // The Scaler's own port settings are what decide.
    [InlineData("Scaler__Host__HttpPort", false)]
    [InlineData("POD_NAME", false)]
    public void IsUrlOrPortVariable_Name_TheHostsUrlSettings(string name, bool expected) =>
        Assert.Equal(expected, IsUrlOrPortVariable(name));

    [Fact]
    public void Resources_Memory_RequestCoversTheBenchedSteadyStateAndTheLimitTwiceItsPeak()
    {
        var resources = Deployment.Container(Name).At("resources");

        // docs/keda-bench.md, 1,000 ScaledObjects: ~145 MiB steady, peaks up to ~192 MiB.
        Assert.InRange(Json.Bytes(resources.Text("requests.memory")!), 160L << 20, 256L << 20);
        Assert.True(Json.Bytes(resources.Text("limits.memory")!) >= 384L << 20, "the memory limit leaves less than twice the benched peak");
    }

    [Fact]
    public void Resources_Cpu_RequestedAndNotThrottledBelowOneCore()
    {
        var resources = Deployment.Container(Name).At("resources");

        Assert.True(resources.Text("requests.cpu") is not null, "no CPU request: the scheduler may place the Scaler on a full node");
        // A CPU limit under one core throttles bursts (start-up JIT, KEDA's polls arriving together) into gRPC tail latency.
        if (resources.Text("limits.cpu") is { } limit)
        {
            Assert.True(Json.Cores(limit) >= 1, $"CPU limit {limit} is under one core");
        }
    }

    private static bool IsUrlOrPortVariable(string name)
    {
        var key = name.ToUpperInvariant();
        foreach (var prefix in new[] { "ASPNETCORE_", "DOTNET_" })
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                key = key[prefix.Length..];
            }
        }

        return key is "URLS" or "HTTP_PORTS" or "HTTPS_PORTS";
    }

    [Theory]
    // KEDA's external scaler: gRPC over cleartext HTTP/2.
    [InlineData("grpc", 9090, "kubernetes.io/h2c")]
    // /healthz and /metrics.
    [InlineData("http", 8080, null)]
    // HTTPS for the custom metrics API (health only for now).
    [InlineData("https", 6443, null)]
    public void Service_Port_ReachesTheContainerPortOfTheSameNumber(string name, int number, string? appProtocol)
    {
        var service = Kustomize.Render(Directory).One("Service", Name);
        var port = service.Named("spec.ports", name);

        Assert.Equal(number, port.At("port").GetInt32());
        Assert.Equal(number, Deployment.Container(Name).ResolvePort(port.At("targetPort")));
        Assert.Equal(appProtocol, port.Text("appProtocol"));
        Assert.True(service.At("spec.selector").Selects(Deployment.At("spec.template.metadata.labels")), "the Service does not select the Scaler pods");
    }

    [Fact]
    public void Security_NonRootReadOnlyNoCapabilities()
    {
        var pod = Deployment.PodSpec();
        var security = Deployment.Container(Name).At("securityContext");

        Assert.True(pod.At("securityContext.runAsNonRoot").GetBoolean());
        Assert.NotEqual(0, pod.At("securityContext.runAsUser").GetInt32());
        Assert.False(security.At("allowPrivilegeEscalation").GetBoolean());
        Assert.True(security.At("readOnlyRootFilesystem").GetBoolean());
        Assert.Contains("ALL", security.Items("capabilities.drop").Select(c => c.GetString()));
    }

    [Fact]
    public void Objects_InScalerSystem_WithThePlaceholderImage()
    {
        var manifests = Kustomize.Render(Directory);

        // Cluster-scoped RBAC objects have no namespace; the reader of the aggregator's ConfigMap is bound where
        // that ConfigMap lives; everything else lives in scaler-system.
        Assert.All(manifests.Objects.Where(o => !o.Text("kind")!.StartsWith("Cluster", StringComparison.Ordinal)),
            o => Assert.Equal(o.Text("metadata.name") == "scaler-auth-reader" ? "kube-system" : "scaler-system", o.Text("metadata.namespace")));
        Assert.Equal("ghcr.io/scaler-dev/scaler:0.1.0", Deployment.Container(Name).Text("image"));
    }

    [Theory]
    // The watch caches of the workload resolver (docs/signals-kubernetes.md): read-only.
    [InlineData("", "pods", "list,watch")]
    [InlineData("apps", "deployments", "get,list,watch")]
    [InlineData("apps", "statefulsets", "get,list,watch")]
    [InlineData("keda.sh", "scaledobjects", "get,list,watch")]
    public void Rbac_TheDeploymentsServiceAccount_MayReadWhatTheCachesWatch(string group, string resource, string verbs)
    {
        var manifests = Kustomize.Render(Directory);
        var account = Deployment.PodSpec().Text("serviceAccountName");
        var binding = manifests.One("ClusterRoleBinding", "scaler-workload-reader");
        var role = manifests.One("ClusterRole", binding.Text("roleRef.name")!);

        Assert.Equal("scaler", account);
        Assert.Contains(binding.Items("subjects"), subject => subject.Text("name") == account && subject.Text("namespace") == "scaler-system");
        var rule = Assert.Single(role.Items("rules"), r =>
            r.Items("apiGroups").Any(g => g.GetString() == group) && r.Items("resources").Any(x => x.GetString() == resource));
        Assert.Equal(verbs.Split(','), rule.Items("verbs").Select(v => v.GetString()));
    }

    [Fact]
    public void Rbac_TheDeploymentsServiceAccount_MayCreateAndPatchDecisionEventsOnly()
    {
        var manifests = Kustomize.Render(Directory);
        var binding = manifests.One("ClusterRoleBinding", "scaler-decision-events");
        var role = manifests.One("ClusterRole", binding.Text("roleRef.name")!);

        Assert.Contains(binding.Items("subjects"), subject => subject.Text("name") == "scaler" && subject.Text("namespace") == "scaler-system");
        var rule = Assert.Single(role.Items("rules"));
        Assert.Equal(["events.k8s.io"], rule.Items("apiGroups").Select(g => g.GetString()));
        Assert.Equal(["events"], rule.Items("resources").Select(r => r.GetString()));
        Assert.Equal(["create", "patch"], rule.Items("verbs").Select(v => v.GetString()));

        // No other role of the Scaler may write anything: the workload reader stays read-only.
        var reader = manifests.One("ClusterRole", "scaler-workload-reader");
        Assert.All(reader.Items("rules").SelectMany(r => r.Items("verbs")), verb => Assert.Contains(verb.GetString(), new[] { "get", "list", "watch" }));
    }

    [Fact]
    public void Rbac_MetricsApi_DelegatedAuthenticationAuthorizationAndTheScaleItServes()
    {
        var manifests = Kustomize.Render(Directory);
        var delegator = manifests.One("ClusterRoleBinding", "scaler-auth-delegator");
        var reader = manifests.One("RoleBinding", "scaler-auth-reader");
        var scale = manifests.One("ClusterRole", manifests.One("ClusterRoleBinding", "scaler-scale-reader").Text("roleRef.name")!);

        // TokenReviews and SubjectAccessReviews, as every aggregated API server (reference 2.6).
        Assert.Equal(("ClusterRole", "system:auth-delegator"), (delegator.Text("roleRef.kind"), delegator.Text("roleRef.name")));
        Assert.Contains(delegator.Items("subjects"), s => s.Text("name") == "scaler" && s.Text("namespace") == "scaler-system");
        // The front proxy's CA, read from kube-system.
        Assert.Equal(("kube-system", "Role", "extension-apiserver-authentication-reader"), (reader.Text("metadata.namespace"), reader.Text("roleRef.kind"), reader.Text("roleRef.name")));
        Assert.Contains(reader.Items("subjects"), s => s.Text("name") == "scaler" && s.Text("namespace") == "scaler-system");
        // Read on the /scale subresources it serves scaler_desired_replicas for, and nothing written.
        var resources = scale.Items("rules").SelectMany(r => r.Items("resources")).Select(r => r.GetString()).ToList();
        Assert.Contains("deployments/scale", resources);
        Assert.Contains("statefulsets/scale", resources);
        Assert.Contains("leaderworkersets/scale", resources);
        Assert.All(scale.Items("rules").SelectMany(r => r.Items("verbs")), verb => Assert.Equal("get", verb.GetString()));
    }

    [Fact]
    public void Rbac_LeaderElection_TheOneLeaseInTheScalersNamespaceOnly()
    {
        var manifests = Kustomize.Render(Directory);
        var binding = manifests.One("RoleBinding", "scaler-leader-election");
        var role = manifests.One("Role", binding.Text("roleRef.name")!);
        var options = new global::Scaler.Leadership.LeadershipOptions();

        Assert.Equal("Role", binding.Text("roleRef.kind"));
        Assert.Contains(binding.Items("subjects"), subject => subject.Text("name") == "scaler" && subject.Text("namespace") == "scaler-system");
        Assert.All(role.Items("rules"), rule =>
        {
            Assert.Equal(["coordination.k8s.io"], rule.Items("apiGroups").Select(g => g.GetString()));
            Assert.Equal(["leases"], rule.Items("resources").Select(r => r.GetString()));
        });

        // Create has no name to restrict to (Kubernetes does not check resourceNames on create); get and update do.
        var named = Assert.Single(role.Items("rules"), r => r.Find("resourceNames") is not null);
        Assert.Equal([options.LeaseName], named.Items("resourceNames").Select(n => n.GetString()));
        Assert.Equal(["get", "update"], named.Items("verbs").Select(v => v.GetString()));
        Assert.Equal(["create"], Assert.Single(role.Items("rules"), r => r.Find("resourceNames") is null).Items("verbs").Select(v => v.GetString()));
    }

    [Fact]
    public void Deployment_LeaderElection_OnWithThePodsNameNamespaceAndPeerAddress()
    {
        var container = Deployment.Container(Name);
        string Value(string name) => container.Named("env", name).Text("value")!;

        Assert.Equal("true", Value("Scaler__Leadership__Enabled"));
        Assert.Equal("$(POD_NAMESPACE)", Value("Scaler__Leadership__LeaseNamespace"));
        Assert.Equal("$(POD_NAME)", Value("Scaler__Leadership__Identity"));
        Assert.Equal($"http://$(POD_IP):{new ScalerHostOptions().PeerPort}", Value("Scaler__Leadership__PeerAddress"));
        Assert.Equal("metadata.namespace", container.Named("env", "POD_NAMESPACE").Text("valueFrom.fieldRef.fieldPath"));
        Assert.Equal("status.podIP", container.Named("env", "POD_IP").Text("valueFrom.fieldRef.fieldPath"));

        // Variables referenced with $(...) must come before the ones that use them.
        var names = container.Items("env").Select(e => e.Text("name")).ToList();
        Assert.True(names.IndexOf("POD_IP") < names.IndexOf("Scaler__Leadership__PeerAddress"));
    }

    [Fact]
    public void Deployment_PodName_FromTheDownwardApiForEventReportingInstance()
    {
        var podName = Deployment.Container(Name).Named("env", "POD_NAME");

        Assert.Equal("metadata.name", podName.Text("valueFrom.fieldRef.fieldPath"));
    }
}
