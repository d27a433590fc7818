using System.Text.Json;
using Deploy.Tests.Support;

namespace Deploy.Tests.Scaler;

/// <summary>deploy/scaler/base: the Scaler Deployment, its Service and its RBAC (read-only, but for decision events).</summary>
public sealed class ScalerManifestTests
{
    private const string Directory = "deploy/scaler/base";
    private const string Name = "scaler";

    private static JsonElement Deployment => Kustomize.Render(Directory).One("Deployment", Name);

    [Fact]
    public void Probes_Healthz_OnTheHttpPort()
    {
        var container = Deployment.Container(Name);

        Assert.Equal("/healthz", container.Text("livenessProbe.httpGet.path"));
        Assert.Equal("/healthz", container.Text("readinessProbe.httpGet.path"));
        Assert.Equal(8080, container.ResolvePort(container.At("livenessProbe.httpGet.port")));
        Assert.Equal(8080, container.ResolvePort(container.At("readinessProbe.httpGet.port")));
        // Kestrel's port in the container is this variable (the aspnet image's default too).
        Assert.Equal("8080", container.Named("env", "ASPNETCORE_HTTP_PORTS").Text("value"));
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

        // Cluster-scoped RBAC objects have no namespace; everything else lives in scaler-system.
        Assert.All(manifests.Objects.Where(o => !o.Text("kind")!.StartsWith("Cluster", StringComparison.Ordinal)),
            o => Assert.Equal("scaler-system", o.Text("metadata.namespace")));
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
    public void Deployment_PodName_FromTheDownwardApiForEventReportingInstance()
    {
        var podName = Deployment.Container(Name).Named("env", "POD_NAME");

        Assert.Equal("metadata.name", podName.Text("valueFrom.fieldRef.fieldPath"));
    }
}
