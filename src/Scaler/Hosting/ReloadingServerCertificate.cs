using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Scaler.Hosting;

/// <summary>
/// One TLS endpoint's certificate, read again from its PEM files when they change. The files are compared
/// by content (not timestamps: a Secret volume's <c>tls.crt</c> is a symlink whose own time never changes
/// when the kubelet swaps <c>..data</c>) at most every reload interval, when a connection arrives, so the
/// first new connection after a renewal gets the new certificate; open connections keep theirs. Files that
/// cannot be used keep the certificate loaded before and are reported once, naming the file. A replaced
/// certificate is kept until the next replacement (a handshake that picked it up just before may still be
/// using it) and then disposed, so rotations do not pile up keys in memory.
/// </summary>
internal sealed partial class ReloadingServerCertificate : IDisposable
{
    private readonly TlsFileSet? _files;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly Lock _reloading = new();
    private volatile ServerCertificate _current;
    private ServerCertificate? _retired;
    private long _nextCheckTicks;
    private string? _lastRejection;

    private ReloadingServerCertificate(ServerCertificate current, TlsFileSet? files, TimeProvider time, TimeSpan interval, ILogger logger)
    {
        _current = current;
        _files = files;
        _time = time;
        _interval = interval;
        _logger = logger;
        _nextCheckTicks = files is null ? long.MaxValue : (time.GetUtcNow() + interval).UtcTicks;
    }

    /// <summary>
    /// Without client CAs of its own: ask every client for a certificate and accept whatever comes (or none), for
    /// the request to verify. The custom metrics API checks it against the front proxy's CA, which the cluster
    /// publishes and rotates (a handshake cannot wait for that), and a client without one may still bring a token.
    /// </summary>
    public bool AsksClientCertificates { get; set; }

    /// <summary>Which endpoint, for logs ("gRPC port", "HTTPS port").</summary>
    public string Endpoint => _files?.Endpoint ?? "HTTPS port";

    /// <summary>The certificate to serve now; reads the files first when the reload interval has passed.</summary>
    public ServerCertificate Current
    {
        get
        {
            if (_files is not null && _time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _nextCheckTicks))
            {
                CheckFiles(_files);
            }

            return _current;
        }
    }

    /// <summary>Loads the files now.</summary>
    /// <exception cref="TlsFileException">They cannot be used (at start-up this is a configuration error).</exception>
    public static ReloadingServerCertificate FromFiles(TlsFileSet files, TimeProvider time, TimeSpan interval, ILogger logger)
    {
        var loaded = ServerCertificate.Load(files);
        var reloading = new ReloadingServerCertificate(loaded, files, time, interval, logger);
        LogLoaded(logger, files.Endpoint, loaded.Subject, loaded.Serial, loaded.NotAfter, files.CertificatePath, loaded.ClientCaCount);
        reloading.WarnIfOutsideValidity(loaded);
        return reloading;
    }

    /// <summary>A certificate generated now, for an endpoint with no configured files; never reloaded.</summary>
    public static ReloadingServerCertificate SelfSigned(string endpoint, string setting, TimeProvider time, ILogger logger)
    {
        var generated = ServerCertificate.SelfSigned(time, ["localhost", System.Net.Dns.GetHostName()]);
        LogSelfSigned(logger, endpoint, setting, generated.Thumbprint, generated.NotAfter);
        return new ReloadingServerCertificate(generated, files: null, time, Timeout.InfiniteTimeSpan, logger);
    }

    /// <summary>The certificate replaced last, still kept for handshakes that took it just before; null when none was replaced.</summary>
    internal ServerCertificate? Retired => _retired;

    public void Dispose()
    {
        lock (_reloading)
        {
            _retired?.Dispose();
            _retired = null;
            _current.Dispose();
        }
    }

    /// <summary>For Kestrel's <c>UseHttps</c>: TLS 1.2 or later, the current certificate, client certificates when mutual.</summary>
    public TlsHandshakeCallbackOptions HandshakeCallback() => new()
    {
        OnConnection = _ => ValueTask.FromResult(ServerOptions()),
    };

    /// <summary>Options for one handshake. ALPN is left to Kestrel, which offers what the endpoint's protocols allow.</summary>
    public SslServerAuthenticationOptions ServerOptions()
    {
        var current = Current;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = current.Context,
            // TLS 1.2 is KEDA's default minimum (KEDA_HTTP_MIN_TLS_VERSION); 1.3 when the client offers it.
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (current.ClientChainPolicy is { } policy)
        {
            options.ClientCertificateRequired = true;
            // SslStream builds the client's chain (with any intermediates it sent) under this policy: the
            // client CAs as the only roots, clientAuth usage, no downloads.
            options.CertificateChainPolicy = policy.Clone();
            options.RemoteCertificateValidationCallback = (_, certificate, _, errors) => AcceptClient(certificate, errors);
        }
        else if (AsksClientCertificates)
        {
            options.ClientCertificateRequired = true;
#pragma warning disable CA5359 // Client certificates, not the server's: trusted only once the request's authenticator verified the chain.
            options.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }

        return options;
    }

    private bool AcceptClient(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None && certificate is not null)
        {
            return true;
        }

        LogClientRefused(_logger, Endpoint, certificate is null ? "none presented" : certificate.Subject, errors);
        return false;
    }

    private void CheckFiles(TlsFileSet files)
    {
        // One connection checks; the others go on with the current certificate meanwhile.
        if (!_reloading.TryEnter())
        {
            return;
        }

        try
        {
            Interlocked.Exchange(ref _nextCheckTicks, (_time.GetUtcNow() + _interval).UtcTicks);
            var before = _current;
            TlsFileContents contents;
            try
            {
                contents = files.Read();
            }
            catch (TlsFileException e)
            {
                Reject($"read:{e.Message}", e, before);
                return;
            }

            var fingerprint = contents.Fingerprint();
            if (fingerprint.AsSpan().SequenceEqual(before.Fingerprint))
            {
                _lastRejection = null;
                return;
            }

            ServerCertificate loaded;
            try
            {
                loaded = ServerCertificate.FromContents(files, contents);
            }
            catch (TlsFileException e)
            {
                // A writer that is not atomic (certificate written, key not yet) shows up here too; the next
                // check after the key lands succeeds.
                Reject(Convert.ToHexString(fingerprint), e, before);
                return;
            }

            _current = loaded;
            _retired?.Dispose();
            _retired = before;
            _lastRejection = null;
            LogReloaded(_logger, files.Endpoint, loaded.Subject, loaded.Serial, loaded.NotAfter, before.Serial, loaded.ClientCaCount);
            WarnIfOutsideValidity(loaded);
        }
        finally
        {
            _reloading.Exit();
        }
    }

    private void Reject(string what, TlsFileException error, ServerCertificate kept)
    {
        if (_lastRejection == what)
        {
            return;
        }

        _lastRejection = what;
        LogRejected(_logger, Endpoint, error.Setting, error.Path, error.Reason, kept.Serial, kept.NotAfter);
    }

    private void WarnIfOutsideValidity(ServerCertificate certificate)
    {
        var now = _time.GetUtcNow();
        if (now < certificate.NotBefore || now > certificate.NotAfter)
        {
            LogOutsideValidity(_logger, Endpoint, certificate.Serial, certificate.NotBefore, certificate.NotAfter);
        }
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "{Endpoint}: TLS with certificate {Subject} serial {Serial}, valid until {NotAfter:u}, from {CertificatePath}; client CAs: {ClientCas} (0: no client certificates asked)")]
    private static partial void LogLoaded(ILogger logger, string endpoint, string subject, string serial, DateTime notAfter, string certificatePath, int clientCas);

    [LoggerMessage(EventId = 701, Level = LogLevel.Information, Message = "{Endpoint}: certificate files changed; new connections get {Subject} serial {Serial}, valid until {NotAfter:u} (was serial {Previous}); client CAs: {ClientCas}")]
    private static partial void LogReloaded(ILogger logger, string endpoint, string subject, string serial, DateTime notAfter, string previous, int clientCas);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "{Endpoint}: {Setting} '{Path}' changed but cannot be used ({Reason}); still serving serial {Serial}, valid until {NotAfter:u}")]
    private static partial void LogRejected(ILogger logger, string endpoint, string setting, string path, string reason, string serial, DateTime notAfter);

    [LoggerMessage(EventId = 703, Level = LogLevel.Warning, Message = "{Endpoint}: certificate serial {Serial} is outside its validity ({NotBefore:u} to {NotAfter:u}); clients that verify it refuse to connect until it is renewed")]
    private static partial void LogOutsideValidity(ILogger logger, string endpoint, string serial, DateTime notBefore, DateTime notAfter);

    [LoggerMessage(EventId = 704, Level = LogLevel.Information, Message = "{Endpoint}: no certificate configured ({Setting}); serving a self-signed certificate generated at start (SHA-1 thumbprint {Thumbprint}, valid until {NotAfter:u}); clients must skip verification or pin it")]
    private static partial void LogSelfSigned(ILogger logger, string endpoint, string setting, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 705, Level = LogLevel.Debug, Message = "{Endpoint}: client certificate refused ({Subject}): {Errors}")]
    private static partial void LogClientRefused(ILogger logger, string endpoint, string subject, SslPolicyErrors errors);
}
