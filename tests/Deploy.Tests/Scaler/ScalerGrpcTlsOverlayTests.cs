using System.Text.Json;
using Deploy.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Scaler.FrontDoors.Keda;
using Scaler.Hosting;
using Scaler.Signals;
using Scaler.Triggers;

namespace Deploy.Tests.Scaler;

/// <summary>
/// deploy/scaler/overlays/grpc-tls (the Scaler's serving certificate from cert-manager, mounted for
/// Scaler:Host:GrpcTls) and deploy/examples/keda-grpc-tls (KEDA's client side), read with the host's own
/// settings reader and the trigger metadata parser.
/// </summary>
public sealed class ScalerGrpcTlsOverlayTests
{
    private const string Overlay = "deploy/scaler/overlays/grpc-tls";
    private const string Example = "deploy/examples/keda-grpc-tls";
    private const string Name = "scaler";

    private static readonly string[] SecretKeys = ["tls.crt", "tls.key", "ca.crt"];

    private static JsonElement Deployment(string directory) => Kustomize.Render(directory).One("Deployment", Name);

    /// <summary>The container's Scaler settings as the host reads them (environment variables: <c>__</c> is <c>:</c>).</summary>
    private static ScalerHostOptions Settings(string directory)
    {
        var settings = Deployment(directory).Container(Name).Items("env")
            .Where(e => e.Text("name")!.StartsWith("Scaler__", StringComparison.Ordinal))
            .Select(e => KeyValuePair.Create(e.Text("name")!.Replace("__", ":", StringComparison.Ordinal), e.Text("value")));
        return ScalerHostOptions.Read(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
    }

    [Fact]
    public void Env_GrpcTlsFiles_EachAKeyOfTheCertificatesSecretMountedAsADirectory()
    {
        var options = Settings(Overlay);
        var manifests = Kustomize.Render(Overlay);
        var container = Deployment(Overlay).Container(Name);
        var secretName = manifests.One("Certificate", "scaler-grpc-tls").Text("spec.secretName");

        Assert.All(new[] { options.GrpcTls.CertificatePath, options.GrpcTls.KeyPath, options.GrpcTls.ClientCaPath }, path =>
        {
            Assert.NotNull(path);
            var mount = Assert.Single(container.Items("volumeMounts"), m => path.StartsWith(m.Text("mountPath") + "/", StringComparison.Ordinal));
            // A subPath mount never sees the kubelet's updates, so renewals would not reach the Scaler.
            Assert.Null(mount.Find("subPath"));
            Assert.True(mount.At("readOnly").GetBoolean());
            Assert.Contains(Path.GetFileName(path), SecretKeys);
            var volume = Deployment(Overlay).PodSpec().Named("volumes", mount.Text("name")!);
            Assert.Equal(secretName, volume.Text("secret.secretName"));
        });
        Assert.Equal(["tls.crt", "tls.key", "ca.crt"], new[] { options.GrpcTls.CertificatePath, options.GrpcTls.KeyPath, options.GrpcTls.ClientCaPath }.Select(Path.GetFileName));
    }

    [Fact]
    public void Volume_SecretFiles_ReadableByThePodsUserOnly()
    {
        var pod = Deployment(Overlay).PodSpec();
        var mode = pod.Named("volumes", "grpc-tls").At("secret.defaultMode").GetInt32();

        // Group-readable through fsGroup (the Scaler's own group), nothing for others.
        Assert.Equal(pod.At("securityContext.runAsGroup").GetInt32(), pod.At("securityContext.fsGroup").GetInt32());
        Assert.Equal(0b100_100_000, mode);
    }

    [Theory]
    // Without the overlay: the host's defaults, h2c.
    [InlineData("deploy/scaler/base")]
    // With it: only GrpcTls changes.
    [InlineData(Overlay)]
    public void Ports_TheHostsDefaults_AreTheContainerPorts(string directory)
    {
        var options = Settings(directory);
        var container = Deployment(directory).Container(Name);

        Assert.Equal(options.GrpcPort, container.Named("ports", "grpc").At("containerPort").GetInt32());
        Assert.Equal(options.HttpPort, container.Named("ports", "http").At("containerPort").GetInt32());
        Assert.Equal(options.HttpsPort, container.Named("ports", "https").At("containerPort").GetInt32());
        Assert.Equal(directory == Overlay, options.GrpcTls.HasCertificate);
    }

    [Fact]
    public void Service_GrpcPortUnderTls_NoLongerMarkedCleartextHttp2()
    {
        var port = Kustomize.Render(Overlay).One("Service", Name).Named("spec.ports", "grpc");

        Assert.Null(port.Find("appProtocol"));
        Assert.Equal(9090, port.At("port").GetInt32());
    }

    [Fact]
    public void Certificate_Server_NamesTheServiceForServerAuth()
    {
        var certificate = Kustomize.Render(Overlay).One("Certificate", "scaler-grpc-tls");

        Assert.Equal("scaler-system", certificate.Text("metadata.namespace"));
        Assert.Contains("scaler.scaler-system.svc", certificate.Items("spec.dnsNames").Select(n => n.GetString()));
        Assert.Contains("server auth", certificate.Items("spec.usages").Select(u => u.GetString()));
    }

    [Fact]
    public void Example_TriggerAuthentication_HandsKedaTheClientCertificatesSecretKeys()
    {
        var example = Kustomize.Render(Example);
        var client = example.One("Certificate", "keda-scaler-client");
        var server = Kustomize.Render(Overlay).One("Certificate", "scaler-grpc-tls");
        var authentication = example.One("TriggerAuthentication", "scaler-grpc-tls");

        // KEDA reads exactly these three parameters for an external scaler's TLS (reference keda.md 2.1).
        Assert.Equal(
            new[] { ("caCert", "ca.crt"), ("tlsClientCert", "tls.crt"), ("tlsClientKey", "tls.key") },
            authentication.Items("spec.secretTargetRef").Select(r => (r.Text("parameter")!, r.Text("key")!)));
        Assert.All(authentication.Items("spec.secretTargetRef"), r => Assert.Equal(client.Text("spec.secretName"), r.Text("name")));
        Assert.Contains("client auth", client.Items("spec.usages").Select(u => u.GetString()));
        // One CA signs both, so the client Secret's ca.crt verifies the server and the server's ca.crt the client.
        Assert.Equal(server.At("spec.issuerRef").GetRawText(), client.At("spec.issuerRef").GetRawText());
    }

    [Fact]
    public void Example_ScaledObject_TlsToANameInTheServersCertificateWithMetadataTheScalerAccepts()
    {
        var example = Kustomize.Render(Example);
        var scaledObject = example.One("ScaledObject", "llama");
        var trigger = Assert.Single(scaledObject.Items("spec.triggers"));
        var metadata = trigger.At("metadata").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        var address = metadata["scalerAddress"].Split(':');
        var server = Kustomize.Render(Overlay).One("Certificate", "scaler-grpc-tls");
        var service = Kustomize.Render(Overlay).One("Service", Name);

        Assert.Equal("external-push", trigger.Text("type"));
        Assert.Equal("true", metadata["enableTLS"]);
        Assert.Equal("scaler-grpc-tls", trigger.Text("authenticationRef.name"));
        Assert.Contains(address[0], server.Items("spec.dnsNames").Select(n => n.GetString()));
        Assert.Equal(service.Named("spec.ports", "grpc").At("port").GetInt32(), int.Parse(address[1], System.Globalization.CultureInfo.InvariantCulture));
        // The Scaler's own parser, as its registration builds it (every source's keys).
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddSignalSources().AddTriggerParser();
        using var provider = services.BuildServiceProvider();
        Assert.True(
            provider.GetRequiredService<TriggerParser>().TryParse(new ScaledObjectKey("llm", "llama"), metadata, KedaMetadataKeys.Ignored, out _, out var errors),
            string.Join("; ", errors));
    }
}
