namespace Scaler.Hosting;

/// <summary>
/// The certificates of the Scaler's TLS endpoints, loaded once at start: the gRPC port's when configured
/// (else it stays h2c), and the HTTPS port's (configured, or self-signed at start as aggregated API servers
/// do when given none). Disposed with the host: the certificates and keys go with it.
/// </summary>
internal sealed class ScalerTls : IDisposable
{
    /// <exception cref="InvalidOperationException">A configured file cannot be used; the message names each setting.</exception>
    public ScalerTls(ScalerHostOptions options, TimeProvider time, ILogger<ScalerTls> logger)
    {
        var errors = new List<string>();
        Grpc = Load(TlsFileSet.From("gRPC port", $"{ScalerHostOptions.Section}:{nameof(ScalerHostOptions.GrpcTls)}", options.GrpcTls), options, time, logger, errors);
        var httpsPrefix = $"{ScalerHostOptions.Section}:{nameof(ScalerHostOptions.HttpsTls)}";
        var https = Load(TlsFileSet.From("HTTPS port", httpsPrefix, options.HttpsTls), options, time, logger, errors);
        if (errors.Count > 0)
        {
            throw new InvalidOperationException($"Invalid {ScalerHostOptions.Section} settings:{Environment.NewLine}- {string.Join(Environment.NewLine + "- ", errors)}");
        }

        Https = https ?? ReloadingServerCertificate.SelfSigned("HTTPS port", $"{httpsPrefix}:{nameof(TlsFilesOptions.CertificatePath)}", time, logger);

        // The custom metrics API authenticates the aggregator by its client certificate, checked per request.
        Https.AsksClientCertificates = true;
    }

    /// <summary>The gRPC port's certificate; null: plaintext HTTP/2 (h2c).</summary>
    public ReloadingServerCertificate? Grpc { get; }

    /// <summary>The HTTPS port's certificate.</summary>
    public ReloadingServerCertificate Https { get; }

    public void Dispose()
    {
        Grpc?.Dispose();
        Https.Dispose();
    }

    private static ReloadingServerCertificate? Load(TlsFileSet? files, ScalerHostOptions options, TimeProvider time, ILogger logger, List<string> errors)
    {
        if (files is null)
        {
            return null;
        }

        try
        {
            return ReloadingServerCertificate.FromFiles(files, time, options.TlsReloadInterval, logger);
        }
        catch (TlsFileException e)
        {
            errors.Add(e.Message);
            return null;
        }
    }
}
