using Microsoft.Extensions.Logging.Testing;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography.X509Certificates;
using Scaler.Tests.FrontDoors.Keda;
using Scaler.Tests.Signals.Core;

namespace Scaler.Tests.Hosting;

/// <summary>
/// The HTTPS port (6443 by default, where the custom metrics API is served): health over TLS with the configured
/// certificate, or with one generated at start; nothing else is served there.
/// </summary>
public sealed class HttpsPortTests : IDisposable
{
    private readonly TestPki _pki = new();

    public void Dispose() => _pki.Dispose();

    [Theory]
    // Liveness, as on the HTTP port.
    [InlineData("/healthz")]
    // Readiness, as aggregated API servers serve it (prometheus-adapter probes /readyz over HTTPS).
    [InlineData("/readyz")]
    public async Task Get_HealthWithConfiguredCertificate_OkOverHttp1AndHttp2WithThatCertificate(string path)
    {
        var (certificate, key) = _pki.WritePair("https", _pki.Server);
        await using var host = await KedaScalerHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Scaler:Host:HttpsTls:CertificatePath"] = certificate,
            ["Scaler:Host:HttpsTls:KeyPath"] = key,
        });
        using var client = new HttpClient(TestPki.Handler(_pki.ServerCa));

        using var http1 = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(host.HttpsAddress, path)) { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact });
        using var http2 = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(host.HttpsAddress, path)) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact });
        var served = (await TestPki.HandshakeAsync(host.HttpsAddress)).Certificate;

        Assert.Equal("https", host.HttpsAddress.Scheme);
        Assert.Equal(HttpStatusCode.OK, http1.StatusCode);
        Assert.Equal("ok", await http1.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, http2.StatusCode);
        Assert.Equal(HttpVersion.Version20, http2.Version);
        Assert.Equal(_pki.Server.SerialNumber, served.SerialNumber);
    }

    [Fact]
    public async Task Get_NoCertificateConfigured_ServesASelfSignedServerCertificateForLoopbackAndSaysSo()
    {
        var logs = new FakeLoggerProvider();
        await using var host = await KedaScalerHost.StartAsync(logging: logs);
        using var verifying = new HttpClient(TestPki.Handler(trust: null));

        var served = (await TestPki.HandshakeAsync(host.HttpsAddress)).Certificate;
        using var pinned = new HttpClient(TestPki.Handler(served));
        using var ok = await pinned.GetAsync(new Uri(host.HttpsAddress, "/healthz"));
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => verifying.GetAsync(new Uri(host.HttpsAddress, "/healthz")));

        // Self-signed: its own issuer, for servers, naming the loopback addresses.
        Assert.Equal(served.Subject, served.Issuer);
        Assert.Contains(served.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(), o => o.Value == "1.3.6.1.5.5.7.3.1");
        Assert.Contains(IPAddress.Loopback, served.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateIPAddresses());
        Assert.True(served.NotAfter > DateTime.Now.AddDays(300));
        // A client that pins it (as an APIService caBundle would) gets through; one that verifies against the system roots does not.
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.NotNull(refused.InnerException);
        var log = Assert.Single(logs.Lines(), l => l.Contains("[704]", StringComparison.Ordinal));
        Assert.Contains("Scaler:Host:HttpsTls:CertificatePath", log, StringComparison.Ordinal);
        Assert.Contains(served.Thumbprint, log, StringComparison.Ordinal);
    }

    [Theory]
    // Prometheus metrics stay on the plain HTTP port.
    [InlineData("/metrics")]
    // So do the decision explanations.
    [InlineData("/decisions")]
    // And gRPC: the HTTPS port is no second door for KEDA.
    [InlineData("/externalscaler.ExternalScaler/GetMetricSpec")]
    public async Task Get_EndpointOfAnotherPort_NotFoundOnHttpsButServedOnItsOwn(string path)
    {
        await using var host = await KedaScalerHost.StartAsync();
        var served = (await TestPki.HandshakeAsync(host.HttpsAddress)).Certificate;
        using var https = new HttpClient(TestPki.Handler(served));
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });

        using var onHttps = await https.GetAsync(new Uri(host.HttpsAddress, path));

        Assert.Equal(HttpStatusCode.NotFound, onHttps.StatusCode);
        if (!path.StartsWith("/externalscaler", StringComparison.Ordinal))
        {
            using var onHttp = await http.GetAsync(new Uri(host.HttpAddress, path));
            Assert.Equal(HttpStatusCode.OK, onHttp.StatusCode);
        }
    }
}
