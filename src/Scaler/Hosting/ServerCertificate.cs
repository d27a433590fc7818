using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Scaler.Hosting;

/// <summary>
/// What one TLS endpoint serves: the certificate with its key, the chain sent with it, and for mutual TLS
/// the client CAs. Built from PEM text, never from a store; nothing here is logged but public facts
/// (subject, serial, validity, thumbprint). Disposing it frees the certificates and the key.
/// </summary>
internal sealed class ServerCertificate : IDisposable
{
    private readonly X509Certificate2Collection _intermediates;
    private readonly X509Certificate2Collection? _clientCas;

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    private ServerCertificate(X509Certificate2 certificate, X509Certificate2Collection intermediates, X509Certificate2Collection? clientCas, byte[] fingerprint)
    {
        Certificate = certificate;
        _intermediates = intermediates;
        _clientCas = clientCas;
        Subject = certificate.Subject;
        Serial = certificate.SerialNumber;
        NotBefore = certificate.NotBefore.ToUniversalTime();
        NotAfter = certificate.NotAfter.ToUniversalTime();
        Thumbprint = certificate.Thumbprint;
        ClientCaCount = clientCas?.Count ?? 0;
        Fingerprint = fingerprint;
        // offline: the chain is what the file holds; nothing is fetched (AIA, OCSP) from the network.
        Context = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
        if (clientCas is not null)
        {
            ClientChainPolicy = new X509ChainPolicy
            {
                // Clients are trusted through these CAs only, never through the system roots.
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
            };
            ClientChainPolicy.CustomTrustStore.AddRange(clientCas);
            ClientChainPolicy.ApplicationPolicy.Add(ClientAuth);
        }
    }

    public X509Certificate2 Certificate { get; }

    public SslStreamCertificateContext Context { get; }

    /// <summary>How client certificates are validated (a template: clone it per connection); null without client CAs.</summary>
    public X509ChainPolicy? ClientChainPolicy { get; }

    /// <summary>SHA-256 over the files' bytes, to tell whether they changed since this was loaded.</summary>
    public byte[] Fingerprint { get; }

    public string Subject { get; }

    public string Serial { get; }

    /// <summary>UTC.</summary>
    public DateTime NotBefore { get; }

    /// <summary>UTC.</summary>
    public DateTime NotAfter { get; }

    /// <summary>SHA-1 thumbprint, hex (what tools show to pin a certificate).</summary>
    public string Thumbprint { get; }

    public int ClientCaCount { get; }

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var other in _intermediates.Concat(_clientCas ?? []))
        {
            other.Dispose();
        }
    }

    /// <summary>Reads the files of <paramref name="files"/> and builds what the endpoint serves.</summary>
    /// <exception cref="TlsFileException">A file is missing, unreadable or unusable; it names the setting.</exception>
    public static ServerCertificate Load(TlsFileSet files) => FromContents(files, files.Read());

    /// <summary>Builds from file contents already read (so that what is checked is what was fingerprinted).</summary>
    public static ServerCertificate FromContents(TlsFileSet files, TlsFileContents contents)
    {
        var certificatePem = Text(contents.Certificate);
        var chain = ImportCertificates(files.CertificateSetting, files.CertificatePath, certificatePem, TlsFilesOptions.CertificateForm);
        X509Certificate2 certificate;
        try
        {
            // The first CERTIFICATE block is the server's; the key must be its key.
            certificate = X509Certificate2.CreateFromPem(certificatePem, Text(contents.Key!));
        }
        catch (CryptographicException e)
        {
            // The messages name the problem (no supported key, corrupt ASN.1), never the key's bytes.
            throw new TlsFileException(files.KeySetting, files.KeyPath!, $"no usable {chain[0].PublicKey.Oid.FriendlyName} private key for the certificate ({e.Message.TrimEnd('.')}); expected {TlsFilesOptions.KeyForm}", e);
        }
        catch (ArgumentException e)
        {
            throw new TlsFileException(files.KeySetting, files.KeyPath!, $"the private key does not belong to the certificate in '{files.CertificatePath}' (setting {files.CertificateSetting}); expected the key of that certificate", e);
        }

        // Any EKU extension (a malformed certificate may carry two) must allow serverAuth.
        if (certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Any(usage => !usage.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == ServerAuth.Value)))
        {
            throw new TlsFileException(files.CertificateSetting, files.CertificatePath, $"the certificate (serial {certificate.SerialNumber}) is not for servers: its extended key usage lacks serverAuth; expected a serving certificate such as cert-manager issues with usages [server auth]");
        }

        var intermediates = new X509Certificate2Collection();
        intermediates.AddRange(chain.Skip(1).ToArray());
        var clientCas = files.ClientCaPath is null
            ? null
            : ImportCertificates(files.ClientCaSetting, files.ClientCaPath, Text(contents.ClientCa!), TlsFilesOptions.ClientCaForm);
        try
        {
            return new ServerCertificate(certificate, intermediates, clientCas, contents.Fingerprint());
        }
        catch (CryptographicException e)
        {
            // Building the TLS context can still refuse the chain; name the setting as every other failure does.
            throw new TlsFileException(files.CertificateSetting, files.CertificatePath, $"the certificate chain cannot be served ({e.Message.TrimEnd('.')}); expected {TlsFilesOptions.CertificateForm}", e);
        }
    }

    /// <summary>A self-signed serving certificate (ECDSA P-256, one year) for an endpoint with no configured certificate.</summary>
    public static ServerCertificate SelfSigned(TimeProvider time, IEnumerable<string> dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=scaler (self-signed at start)", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames.Where(n => Uri.CheckHostName(n) == UriHostNameType.Dns).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            names.AddDnsName(name);
        }

        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = time.GetUtcNow();
        // Backdated a little for clocks that lag; a restart makes a new one.
        var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
        return new ServerCertificate(certificate, [], clientCas: null, fingerprint: []);
    }

    private static X509Certificate2Collection ImportCertificates(string setting, string path, string pem, string form)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new TlsFileException(setting, path, $"a CERTIFICATE block is not a valid certificate ({e.Message.TrimEnd('.')}); expected {form}", e);
        }

        return certificates.Count > 0
            ? certificates
            : throw new TlsFileException(setting, path, $"no '-----BEGIN CERTIFICATE-----' block; expected {form}");
    }

    private static string Text(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes);
}

/// <summary>The files of one TLS endpoint, with the settings that name them (for error messages).</summary>
internal sealed record TlsFileSet(string Endpoint, string Prefix, string CertificatePath, string? KeyPath, string? ClientCaPath)
{
    public string CertificateSetting => $"{Prefix}:{nameof(TlsFilesOptions.CertificatePath)}";

    public string KeySetting => $"{Prefix}:{nameof(TlsFilesOptions.KeyPath)}";

    public string ClientCaSetting => $"{Prefix}:{nameof(TlsFilesOptions.ClientCaPath)}";

    public static TlsFileSet? From(string endpoint, string prefix, TlsFilesOptions options) => options.HasCertificate
        ? new TlsFileSet(endpoint, prefix, options.CertificatePath!, options.KeyPath, options.HasClientCa ? options.ClientCaPath : null)
        : null;

    /// <summary>Reads every file.</summary>
    /// <exception cref="TlsFileException">A file cannot be read; it names the setting.</exception>
    public TlsFileContents Read() => new(
        ReadFile(CertificateSetting, CertificatePath, TlsFilesOptions.CertificateForm),
        KeyPath is null ? null : ReadFile(KeySetting, KeyPath, TlsFilesOptions.KeyForm),
        ClientCaPath is null ? null : ReadFile(ClientCaSetting, ClientCaPath, TlsFilesOptions.ClientCaForm));

    private static byte[] ReadFile(string setting, string path, string form)
    {
        try
        {
            // Follows symlinks: a Secret volume's tls.crt -> ..data/tls.crt, where ..data is swapped on update.
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            var why = e switch
            {
                FileNotFoundException or DirectoryNotFoundException => "no such file",
                UnauthorizedAccessException => "permission denied",
                _ => e.Message.TrimEnd('.'),
            };
            throw new TlsFileException(setting, path, $"cannot read the file ({why}); expected {form}", e);
        }
    }
}

/// <summary>The bytes of one endpoint's files.</summary>
internal sealed record TlsFileContents(byte[] Certificate, byte[]? Key, byte[]? ClientCa)
{
    public byte[] Fingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var part in new[] { Certificate, Key ?? [], ClientCa ?? [] })
        {
            hash.AppendData(BitConverter.GetBytes(part.Length));
            hash.AppendData(part);
        }

        return hash.GetHashAndReset();
    }
}

/// <summary>A TLS file that cannot be used: names the setting, the path and what was expected (never file contents).</summary>
internal sealed class TlsFileException : Exception
{
    public TlsFileException(string setting, string path, string reason, Exception? inner = null)
        : base($"{setting}: '{path}': {reason}", inner)
    {
        Setting = setting;
        Path = path;
        Reason = reason;
    }

    public string Setting { get; }

    public string Path { get; }

    public string Reason { get; }
}
