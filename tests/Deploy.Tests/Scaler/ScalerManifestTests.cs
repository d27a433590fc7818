using System.Text.Json;
using Deploy.Tests.Support;

namespace Deploy.Tests.Scaler;

/// <summary>deploy/scaler/base: the skeleton Deployment and Service until the front doors arrive.</summary>
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

        Assert.All(manifests.Objects, o => Assert.Equal("scaler-system", o.Text("metadata.namespace")));
        Assert.Equal("ghcr.io/scaler-dev/scaler:0.1.0", Deployment.Container(Name).Text("image"));
    }
}
