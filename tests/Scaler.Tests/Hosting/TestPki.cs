using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Scaler.Tests.Hosting;

/// <summary>
/// Certificates made in the test with <see cref="CertificateRequest"/> (ECDSA P-256, as cert-manager issues by
/// default for ECDSA issuers): CAs, server certificates for 127.0.0.1/localhost and client certificates, written
/// as PEM files the way a <c>kubernetes.io/tls</c> Secret volume holds them. Deleted with the instance.
/// </summary>
internal sealed class TestPki : IDisposable
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private static long _serial = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public TestPki()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("scaler-tls-").FullName;
        ServerCa = CreateCa("Scaler Test Server CA");
        ClientCa = CreateCa("Scaler Test Client CA");
        OtherCa = CreateCa("Some Other CA");
        Server = Issue(ServerCa, "scaler.scaler-system.svc", ServerAuth);
        Client = Issue(ClientCa, "keda-operator", ClientAuth);
        ClientOfOtherCa = Issue(OtherCa, "keda-operator", ClientAuth);
    }

    public string Directory { get; }

    public X509Certificate2 ServerCa { get; }

    public X509Certificate2 ClientCa { get; }

    public X509Certificate2 OtherCa { get; }

    /// <summary>Signed by <see cref="ServerCa"/>, for 127.0.0.1, ::1 and localhost, serverAuth.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>Signed by <see cref="ClientCa"/>, clientAuth (what KEDA presents as tlsClientCert).</summary>
    public X509Certificate2 Client { get; }

    /// <summary>A client certificate from a CA the Scaler does not trust.</summary>
    public X509Certificate2 ClientOfOtherCa { get; }

    public static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
    }

    /// <summary>A leaf signed by <paramref name="ca"/>, with its private key, a fresh serial and the given usage.</summary>
    public static X509Certificate2 Issue(X509Certificate2 ca, string name, Oid usage, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // A bare name is the common name; a distinguished name ("CN=alice, O=team") is used as it is.
        var request = new CertificateRequest(name.Contains('=', StringComparison.Ordinal) ? name : $"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (usage.Value == ServerAuth.Value)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddDnsName(name);
            names.AddIpAddress(IPAddress.Loopback);
            names.AddIpAddress(IPAddress.IPv6Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var now = DateTimeOffset.UtcNow;
        var serial = BitConverter.GetBytes(Interlocked.Increment(ref _serial));
        Array.Reverse(serial);
        using var signed = request.Create(ca, notBefore ?? now.AddHours(-1), notAfter ?? now.AddDays(90), serial);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>A new server certificate from <see cref="ServerCa"/> (a renewal: same names, new key and serial).</summary>
    public X509Certificate2 RenewServer() => Issue(ServerCa, "scaler.scaler-system.svc", ServerAuth);

    public static X509Certificate2 IssueServer(X509Certificate2 ca, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        Issue(ca, "scaler.scaler-system.svc", ServerAuth, notBefore, notAfter);

    public static X509Certificate2 IssueClient(X509Certificate2 ca) => Issue(ca, "keda-operator", ClientAuth);

    public static string CertificatePem(X509Certificate2 certificate) => certificate.ExportCertificatePem() + "\n";

    /// <summary>The PKCS#8 private key, as cert-manager writes tls.key with <c>encoding: PKCS8</c>.</summary>
    public static string KeyPem(X509Certificate2 certificate) => certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n";

    /// <summary>Writes a file under <see cref="Directory"/> and returns its path.</summary>
    public string Write(string name, string content)
    {
        var path = Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>tls.crt, tls.key and (optionally) ca.crt of <paramref name="certificate"/> in a folder of their own.</summary>
    public (string Certificate, string Key) WritePair(string folder, X509Certificate2 certificate) =>
        (Write($"{folder}/tls.crt", CertificatePem(certificate)), Write($"{folder}/tls.key", KeyPem(certificate)));

    /// <summary>Settings for TLS on the gRPC port (mutual when <paramref name="clientCa"/> is given).</summary>
    public Dictionary<string, string?> GrpcTlsSettings(string folder, X509Certificate2? server = null, X509Certificate2? clientCa = null)
    {
        var (certificate, key) = WritePair(folder, server ?? Server);
        var settings = new Dictionary<string, string?>
        {
            ["Scaler:Host:GrpcTls:CertificatePath"] = certificate,
            ["Scaler:Host:GrpcTls:KeyPath"] = key,
        };
        if (clientCa is not null)
        {
            settings["Scaler:Host:GrpcTls:ClientCaPath"] = Write($"{folder}/ca.crt", CertificatePem(clientCa));
        }

        return settings;
    }

    /// <summary>A handler that trusts only <paramref name="trust"/> (system roots when null) and presents <paramref name="client"/>.</summary>
    public static SocketsHttpHandler Handler(X509Certificate2? trust, X509Certificate2? client = null)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (trust is not null)
        {
            ssl.CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck, DisableCertificateDownloads = true };
            ssl.CertificateChainPolicy.CustomTrustStore.Add(trust);
        }

        if (client is not null)
        {
            ssl.ClientCertificates = [client];
        }

        return new SocketsHttpHandler { EnableMultipleHttp2Connections = false, SslOptions = ssl, UseProxy = false };
    }

    /// <summary>
    /// A new TLS connection to <paramref name="address"/> offering ALPN h2, accepting any server certificate:
    /// what the server presented and negotiated.
    /// </summary>
    public static async Task<(X509Certificate2 Certificate, SslApplicationProtocol Alpn, System.Security.Authentication.SslProtocols Protocol)> HandshakeAsync(
        Uri address, System.Security.Authentication.SslProtocols protocols = System.Security.Authentication.SslProtocols.None)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, address.Port);
        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
            EnabledSslProtocols = protocols,
#pragma warning disable CA5359 // The test reads what the server presents; it trusts nothing it receives.
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
#pragma warning restore CA5359
        }).WaitAsync(TimeSpan.FromSeconds(10));
        return (X509CertificateLoader.LoadCertificate(ssl.RemoteCertificate!.GetRawCertData()), ssl.NegotiatedApplicationProtocol, ssl.SslProtocol);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
    }
}
