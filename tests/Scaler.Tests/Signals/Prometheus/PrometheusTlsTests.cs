using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Scaler.Decisions;
using Scaler.Signals;
using Scaler.Signals.Prometheus;

namespace Scaler.Tests.Signals.Prometheus;

/// <summary>https servers: trusted through the configured CA file, or explicitly not verified, never silently.</summary>
public sealed class PrometheusTlsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("scaler-tls-").FullName;

    public static TheoryData<string> Settings => ["system-roots", "ca-file", "other-ca-file", "insecure"];

    [Theory]
    [MemberData(nameof(Settings))]
    public async Task ReadAsync_HttpsServer_TrustFollowsSettings(string setting)
    {
        var (ca, server) = Certificates("Test CA");
        var (other, _) = Certificates("Other CA");
        var caFile = Path.Combine(_directory, "ca.pem");
        var otherFile = Path.Combine(_directory, "other.pem");
        await File.WriteAllTextAsync(caFile, ca.ExportCertificatePem());
        await File.WriteAllTextAsync(otherFile, other.ExportCertificatePem());
        await using var https = await LoopbackServer.StartAsync(server);
        https.Handler = LoopbackServer.Json(LoopbackServer.Vector("5"));
        using var h = new PrometheusHarness();
        var tls = setting switch
        {
            // No TLS settings: the system roots do not know our CA.
            "system-roots" => null,
            // The CA that signed the server: trusted.
            "ca-file" => new PrometheusTls(CaFile: caFile),
            // Some other CA: not trusted.
            "other-ca-file" => new PrometheusTls(CaFile: otherFile),
            // Explicit opt-out of verification.
            _ => new PrometheusTls(InsecureSkipVerify: true),
        };
        var query = new PrometheusQuery(https.Address, "up", tls: tls);

        if (setting is "ca-file" or "insecure")
        {
            var reading = await h.ReadAsync(query);
            Assert.Equal((SignalStatus.Fresh, 5.0), (reading.Status, reading.Value));
        }
        else
        {
            var thrown = await Assert.ThrowsAsync<SignalSourceException>(async () => await h.ReadAsync(query));
            Assert.Equal(ReadFailure.Connection, thrown.Failure);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A CA and a server certificate for 127.0.0.1 it signed.</summary>
    private static (X509Certificate2 Ca, X509Certificate2 Server) Certificates(string caName)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest($"CN={caName}", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = serverRequest.Create(ca, now.AddDays(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(serverKey);
        var server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
        return (ca, server);
    }
}
