using Deploy.Tests.Support;

namespace Deploy.Tests.Scaler;

/// <summary>deploy/scaler/overlays/custom-metrics and its trial variant: the Scaler registered as custom.metrics.k8s.io.</summary>
public sealed class ScalerCustomMetricsOverlayTests
{
    private const string Overlay = "deploy/scaler/overlays/custom-metrics";
    private const string Trial = "deploy/scaler/overlays/custom-metrics-trial";

    [Theory]
    [InlineData(Overlay)]
    [InlineData(Trial)]
    public void ApiServices_BothVersionsOnTheHttpsPort_V1Beta2Preferred(string directory)
    {
        var manifests = Kustomize.Render(directory);
        var v2 = manifests.One("APIService", "v1beta2.custom.metrics.k8s.io");
        var v1 = manifests.One("APIService", "v1beta1.custom.metrics.k8s.io");
        var service = manifests.One("Service", "scaler");

        Assert.All([v2, v1], api =>
        {
            Assert.Equal("custom.metrics.k8s.io", api.Text("spec.group"));
            Assert.Equal(("scaler", "scaler-system"), (api.Text("spec.service.name"), api.Text("spec.service.namespace")));
            Assert.Equal(service.Named("spec.ports", "https").At("port").GetInt32(), api.At("spec.service.port").GetInt32());
        });
        Assert.Equal(("v1beta2", "v1beta1"), (v2.Text("spec.version"), v1.Text("spec.version")));
        Assert.True(v2.At("spec.versionPriority").GetInt32() > v1.At("spec.versionPriority").GetInt32());
    }

    [Fact]
    public void Overlay_CertManagerCertificateForTheServiceName_CaInjectedIntoBothApiServices()
    {
        var manifests = Kustomize.Render(Overlay);
        var certificate = manifests.One("Certificate", "scaler-metrics-tls");
        var container = manifests.One("Deployment", "scaler").Named("spec.template.spec.containers", "scaler");
        var secret = manifests.One("Deployment", "scaler").Named("spec.template.spec.volumes", "metrics-tls").Text("secret.secretName");

        // The aggregator verifies the serving certificate for <service>.<namespace>.svc (reference 2.1).
        Assert.Contains("scaler.scaler-system.svc", certificate.Items("spec.dnsNames").Select(n => n.GetString()));
        Assert.Equal(certificate.Text("spec.secretName"), secret);
        Assert.All(manifests.OfKind("APIService"), api =>
        {
            Assert.Equal($"scaler-system/{certificate.Text("metadata.name")}", api.At("metadata.annotations").Property("cert-manager.io/inject-ca-from"));
            Assert.Null(api.Find("spec.insecureSkipTLSVerify"));
        });
        Assert.Equal("/etc/scaler/metrics-tls/tls.crt", container.Named("env", "Scaler__Host__HttpsTls__CertificatePath").Text("value"));
        Assert.Equal("/etc/scaler/metrics-tls/tls.key", container.Named("env", "Scaler__Host__HttpsTls__KeyPath").Text("value"));
        Assert.Equal("kube-system", manifests.One("RoleBinding", "scaler-auth-reader").Text("metadata.namespace"));
    }

    [Fact]
    public void Trial_SelfSignedCertificate_NotVerifiedAndSaysSo()
    {
        var manifests = Kustomize.Render(Trial);

        Assert.All(manifests.OfKind("APIService"), api => Assert.True(api.At("spec.insecureSkipTLSVerify").GetBoolean()));
        Assert.Empty(manifests.OfKind("Certificate"));
        Assert.Contains("TRIAL ONLY", Repo.ReadText($"{Trial}/kustomization.yaml"), StringComparison.Ordinal);
    }
}
