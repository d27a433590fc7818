using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MetricsApi.Bench;

/// <summary>A front-proxy CA (its PEM in a temporary folder) and kube-apiserver's proxy client certificate.</summary>
internal sealed record FrontProxyPki(string Directory, string CaPath, X509Certificate2 ClientCertificate)
{
    public static FrontProxyPki Create()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("metrics-api-bench-").FullName;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=front-proxy-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=front-proxy-client", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var signed = request.Create(ca, now.AddHours(-1), now.AddDays(30), [1, 2, 3, 4]);
        var path = Path.Combine(directory, "front-proxy-ca.crt");
        File.WriteAllText(path, ca.ExportCertificatePem());
        return new FrontProxyPki(directory, path, signed.CopyWithPrivateKey(key));
    }

    /// <summary>The aggregator's side: its client certificate and the HPA controller as the user, one HTTP/2 connection.</summary>
    public HttpClient Client(Uri scaler)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [ClientCertificate],
#pragma warning disable CA5359 // The Scaler's self-signed serving certificate, on loopback, in a benchmark.
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
#pragma warning restore CA5359
            },
        };
        var client = new HttpClient(handler) { BaseAddress = scaler, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        client.DefaultRequestHeaders.Add("X-Remote-User", "system:serviceaccount:kube-system:horizontal-pod-autoscaler");
        // system:masters: no SubjectAccessReview (there is no API server here); the review cache is measured apart.
        client.DefaultRequestHeaders.Add("X-Remote-Group", "system:masters");
        return client;
    }
}
