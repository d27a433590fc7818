using System.Globalization;
using System.Net;
using Scaler.Durations;

namespace Scaler.Hosting;

/// <summary>Where the Scaler listens, and with which certificates (configuration section <c>Scaler:Host</c>).</summary>
internal sealed class ScalerHostOptions
{
    public const string Section = "Scaler:Host";

    /// <summary>
    /// gRPC for KEDA. Plaintext HTTP/2 (h2c, KEDA's default mode) unless <see cref="GrpcTls"/> names a
    /// certificate; then TLS with ALPN h2, and mutual TLS when it names a client CA. Default 9090.
    /// </summary>
    public int GrpcPort { get; set; } = 9090;

    /// <summary>Plain HTTP for /healthz, /readyz, /metrics and /decisions. Default 8080.</summary>
    public int HttpPort { get; set; } = 8080;

    /// <summary>
    /// HTTPS (HTTP/1.1 and HTTP/2) for the custom metrics API (<c>/apis/custom.metrics.k8s.io/...</c>), and
    /// /healthz and /readyz. Its certificate is <see cref="HttpsTls"/>, or a self-signed one generated at
    /// start when none is configured. Default 6443.
    /// </summary>
    public int HttpsPort { get; set; } = 6443;

    /// <summary>
    /// Plain HTTP between replicas: with leader election on, followers ask the leader's decisions here
    /// (docs/availability.md). Serves nothing else, and is not bound without leader election. Default 9091.
    /// </summary>
    public int PeerPort { get; set; } = 9091;

    /// <summary>The address all ports bind to. Default all IPv4 interfaces; tests use 127.0.0.1.</summary>
    public string Address { get; set; } = "0.0.0.0";

    /// <summary>
    /// HTTP/2 streams per connection. KEDA opens one StreamIsActive per push ScaledObject over one
    /// pooled connection, and Kestrel's default of 100 would queue everything past the 100th
    /// (performance.md 2.2). Default 20,000.
    /// </summary>
    public int MaxStreamsPerConnection { get; set; } = 20_000;

    /// <summary>TLS on the gRPC port (KEDA's <c>enableTLS</c>, <c>caCert</c>, <c>tlsClientCert</c>). Default off (h2c).</summary>
    public TlsFilesOptions GrpcTls { get; set; } = new();

    /// <summary>The HTTPS port's serving certificate. Default none: a self-signed certificate generated at start.</summary>
    public TlsFilesOptions HttpsTls { get; set; } = new();

    /// <summary>
    /// How often, at most, the PEM files are read again to see whether they changed (cert-manager renews
    /// before expiry; the kubelet swaps the Secret's files in place). Checked when a connection arrives,
    /// so a new connection after a change gets the new certificate. From 50 ms to 1 h; default 10 s.
    /// </summary>
    public TimeSpan TlsReloadInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Binds and checks the section. Every problem is reported at once, each naming the setting and the
    /// form it expects; unknown keys are refused (a misspelt certificate path must not silently mean h2c).
    /// </summary>
    /// <exception cref="InvalidOperationException">The settings are not usable.</exception>
    public static ScalerHostOptions Read(IConfiguration configuration)
    {
        DurationConverter.Register();
        ScalerHostOptions options;
        try
        {
            options = configuration.GetSection(Section).Get<ScalerHostOptions>(binder => binder.ErrorOnUnknownConfiguration = true) ?? new ScalerHostOptions();
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException(
                $"Invalid {Section} settings: {e.Message} Known settings: GrpcPort, HttpPort, HttpsPort, PeerPort, Address, MaxStreamsPerConnection, TlsReloadInterval, " +
                "GrpcTls:{CertificatePath,KeyPath,ClientCaPath}, HttpsTls:{CertificatePath,KeyPath} (docs/keda-tls.md).",
                e);
        }

        var errors = options.Validate();
        return errors.Count == 0
            ? options
            : throw new InvalidOperationException($"Invalid {Section} settings:{Environment.NewLine}- {string.Join(Environment.NewLine + "- ", errors)}");
    }

    /// <summary>Every problem with the values, each naming its setting; empty when they are usable.</summary>
    public List<string> Validate()
    {
        var errors = new List<string>();
        var ports = new[] { (nameof(GrpcPort), GrpcPort), (nameof(HttpPort), HttpPort), (nameof(HttpsPort), HttpsPort), (nameof(PeerPort), PeerPort) };
        foreach (var (name, port) in ports)
        {
            if (port is < 0 or > IPEndPoint.MaxPort)
            {
                errors.Add($"{Section}:{name}: expected a port number from 1 to 65535 (or 0 for any free port), got {port.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        foreach (var group in ports.Where(p => p.Item2 > 0).GroupBy(p => p.Item2).Where(g => g.Count() > 1))
        {
            errors.Add($"{Section}:{string.Join(", " + Section + ":", group.Select(p => p.Item1))}: each port needs its own number, but all are {group.Key.ToString(CultureInfo.InvariantCulture)}");
        }

        if (!IPAddress.TryParse(Address, out _))
        {
            errors.Add($"{Section}:{nameof(Address)}: expected an IP address such as 0.0.0.0, :: or 127.0.0.1, got '{Address}'");
        }

        if (MaxStreamsPerConnection < 1)
        {
            errors.Add($"{Section}:{nameof(MaxStreamsPerConnection)}: expected a whole number 1 or more such as 20000, got {MaxStreamsPerConnection.ToString(CultureInfo.InvariantCulture)}");
        }

        if (TlsReloadInterval < TimeSpan.FromMilliseconds(50) || TlsReloadInterval > TimeSpan.FromHours(1))
        {
            errors.Add($"{Section}:{nameof(TlsReloadInterval)}: expected a duration from 50ms to 1h such as 10s, got {DurationText.Format(TlsReloadInterval)}");
        }

        GrpcTls.Validate($"{Section}:{nameof(GrpcTls)}", "gRPC port", clientCaAllowed: true, errors);
        HttpsTls.Validate($"{Section}:{nameof(HttpsTls)}", "HTTPS port", clientCaAllowed: false, errors);
        return errors;
    }
}

/// <summary>
/// PEM files of a TLS endpoint, as mounted from a <c>kubernetes.io/tls</c> Secret (cert-manager writes
/// <c>tls.crt</c>, <c>tls.key</c> and <c>ca.crt</c>). Certificate and key come together or not at all.
/// </summary>
internal sealed class TlsFilesOptions
{
    public const string CertificateForm = "a PEM file with the server certificate first, then any intermediates, such as /etc/scaler/grpc-tls/tls.crt";
    public const string KeyForm = "a PEM file with the certificate's unencrypted private key (PKCS#8 'PRIVATE KEY', 'RSA PRIVATE KEY' or 'EC PRIVATE KEY'), such as /etc/scaler/grpc-tls/tls.key";
    public const string ClientCaForm = "a PEM file with the CA certificate(s) that sign the clients' certificates, such as /etc/scaler/grpc-client-ca/ca.crt";

    /// <summary>The serving certificate, then its intermediates (<c>tls.crt</c>). Default none.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The certificate's private key (<c>tls.key</c>). Required with <see cref="CertificatePath"/>.</summary>
    public string? KeyPath { get; set; }

    /// <summary>
    /// gRPC only. When set, mutual TLS: every client must present a certificate that chains to one of these
    /// CAs (only these: the system roots are not trusted for clients) and allows client authentication.
    /// KEDA presents <c>tlsClientCert</c>/<c>tlsClientKey</c> from its TriggerAuthentication. Default none.
    /// </summary>
    public string? ClientCaPath { get; set; }

    public bool HasCertificate => !string.IsNullOrWhiteSpace(CertificatePath);

    public bool HasClientCa => !string.IsNullOrWhiteSpace(ClientCaPath);

    public void Validate(string prefix, string endpoint, bool clientCaAllowed, List<string> errors)
    {
        var hasKey = !string.IsNullOrWhiteSpace(KeyPath);
        if (HasCertificate && !hasKey)
        {
            errors.Add($"{prefix}:{nameof(KeyPath)}: required with {prefix}:{nameof(CertificatePath)}; expected {KeyForm}");
        }

        if (hasKey && !HasCertificate)
        {
            errors.Add($"{prefix}:{nameof(CertificatePath)}: required with {prefix}:{nameof(KeyPath)}; expected {CertificateForm}");
        }

        if (HasClientCa && !clientCaAllowed)
        {
            errors.Add($"{prefix}:{nameof(ClientCaPath)}: the {endpoint} trusts the aggregator's front-proxy CA from the cluster (or Scaler:MetricsApi:RequestHeaderClientCaPath), not this setting; remove it");
        }
        else if (HasClientCa && !HasCertificate)
        {
            errors.Add($"{prefix}:{nameof(ClientCaPath)}: mutual TLS needs a server certificate too; set {prefix}:{nameof(CertificatePath)} ({CertificateForm}) and {prefix}:{nameof(KeyPath)}");
        }
    }
}
