using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Scaler.Decisions;

namespace Scaler.Signals.Prometheus;

/// <summary>
/// Reads a <see cref="PrometheusQuery"/>: one <c>GET /api/v1/query</c> per call (the cache decides how often).
/// Servers without custom TLS share the <see cref="IHttpClientFactory"/> client <see cref="HttpClientName"/>, whose
/// handler lives as long as the process; each distinct <see cref="PrometheusTls"/> gets its own
/// <see cref="SocketsHttpHandler"/> (few: one per CA or client cert). Both cap their connections per server
/// (<see cref="PrometheusOptions"/>). Time limits come from the resilience pipeline through the cancellation
/// token, not from the client.
/// </summary>
internal sealed class PrometheusSource : ISignalSource<PrometheusQuery>, IUpstreamProbe<PrometheusQuery>, IDisposable
{
    public const string HttpClientName = "prometheus";

    /// <summary>A one-value answer is a few hundred bytes; anything this big is a query that selects too much.</summary>
    internal const int MaxResponseBytes = 4 << 20;

    /// <summary>Most answers fit: one series is a few hundred bytes.</summary>
    private const int FirstBufferBytes = 4 * 1024;

    private readonly TimeProvider _time;
    private readonly PrometheusOptions _options;
    private readonly ConcurrentDictionary<PrometheusTls, HttpClient> _tlsClients = new();

    // The factory's handler for this client is never rotated (infinite handler lifetime), so one client serves every read.
    private readonly HttpClient _client;

    public PrometheusSource(IHttpClientFactory clients, TimeProvider time, IOptions<PrometheusOptions> options)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _options = options.Value;
        _client = clients.CreateClient(HttpClientName);
    }

    public async ValueTask<Reading> ReadAsync(PrometheusQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        using var request = new HttpRequestMessage(HttpMethod.Get, query.QueryUri);
        request.Headers.TryAddWithoutValidation("Accept", "application/json");
        if (query.Auth is { } auth)
        {
            request.Headers.Authorization = auth.Header();
        }

        var response = await SendAsync(query, request, cancellationToken).ConfigureAwait(false);
        using (response)
        {
            if ((int)response.StatusCode is >= 300 and < 400)
            {
                return Reading.Unavailable(ReadFailure.Rejected, string.Create(
                    System.Globalization.CultureInfo.InvariantCulture,
                    $"Prometheus {query.Server} answered HTTP {(int)response.StatusCode} (a redirect); redirects are not followed: give the server's own address"));
            }

            byte[] body;
            int length;
            try
            {
                (body, length) = await ReadBodyAsync(response.Content, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException)
            {
                return Reading.Unavailable(ReadFailure.MultipleValues, $"error: the answer is larger than {MaxResponseBytes >> 20} MiB; the query must return one series");
            }
            catch (Exception exception) when (exception is HttpRequestException or IOException)
            {
                throw new SignalSourceException(ReadFailure.Connection, $"Prometheus {query.Server} broke off the answer: {Scrub(exception, query)}", exception);
            }

            try
            {
                return PrometheusResponse.Parse((int)response.StatusCode, body.AsSpan(0, length), query.TreatEmptyAsZero, _time.GetUtcNow(), query.Auth?.Secrets);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
            }
        }
    }

    /// <summary>
    /// Reaches the server with the query's TLS setting and credentials: <c>GET {server}/api/v1/status/buildinfo</c>,
    /// a few hundred bytes that every Prometheus-compatible server answers without evaluating anything. Any HTTP
    /// status is an answer; only failing to connect throws.
    /// </summary>
    public async ValueTask ProbeAsync(PrometheusQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var root = query.ServerAddress.AbsoluteUri.EndsWith('/') ? query.ServerAddress.AbsoluteUri : query.ServerAddress.AbsoluteUri + "/";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(root + "api/v1/status/buildinfo"));
        if (query.Auth is { } auth)
        {
            request.Headers.Authorization = auth.Header();
        }

        using var response = await SendAsync(query, request, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        foreach (var client in _tlsClients.Values)
        {
            client.Dispose();
        }
    }

    /// <summary>The body in a pooled buffer (the caller returns it) and its length; at most <see cref="MaxResponseBytes"/>.</summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var declared = content.Headers.ContentLength;
        if (declared > MaxResponseBytes)
        {
            throw new InvalidDataException();
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = ArrayPool<byte>.Shared.Rent(declared is { } size and > 0 ? (int)size + 1 : FirstBufferBytes);
            var length = 0;
            try
            {
                int read;
                while ((read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    length += read;
                    if (length > MaxResponseBytes)
                    {
                        throw new InvalidDataException();
                    }

                    if (length == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxResponseBytes + 1));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                }

                return (buffer, length);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> on the client of the query's TLS setting. Failing to connect (refused,
    /// DNS, TLS, <see cref="PrometheusOptions.ConnectTimeout"/>) throws a failure that counts against the
    /// server's circuit; anything after the connection is this request's own.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(PrometheusQuery query, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var client = query.Tls is { } tls ? _tlsClients.GetOrAdd(tls, CreateTlsClient) : _client;
        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException exception)
        {
            throw new SignalSourceException(ReadFailure.Connection, $"Prometheus {query.Server} unreachable: {Scrub(exception, query)}", exception, ReadFailures.IsUpstreamUnreachable(exception));
        }
        catch (OperationCanceledException exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The client has no timeout of its own: a cancellation nobody asked for is the handler's ConnectTimeout.
            throw new SignalSourceException(ReadFailure.Timeout, $"Prometheus {query.Server} unreachable: no connection within {_options.ConnectTimeout.TotalMilliseconds:0} ms", exception, upstreamUnreachable: true);
        }
    }

    private static string Scrub(Exception exception, PrometheusQuery query)
    {
        var message = exception.InnerException is { } inner ? $"{exception.Message} ({inner.Message})" : exception.Message;
        return SecretScrubber.Scrub(message, query.Auth?.Secrets.ToArray() ?? []);
    }

    /// <summary>A client for one TLS setting; loading a file fails the read (retried) rather than falling back to weaker trust.</summary>
    private HttpClient CreateTlsClient(PrometheusTls tls)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (tls.InsecureSkipVerify)
        {
#pragma warning disable CA5359 // The operator opted in explicitly (KEDA's unsafeSsl); documented as for tests and labs only.
            ssl.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (tls.CaFile is { } caFile)
        {
            var authorities = Load(() =>
            {
                var collection = new X509Certificate2Collection();
                collection.ImportFromPemFile(caFile);
                return collection;
            }, "CA file", caFile);
            ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) => TrustedBy(authorities, certificate, errors);
        }

        if (tls.ClientCertFile is { } certFile)
        {
            var certificate = Load(() => X509Certificate2.CreateFromPemFile(certFile, tls.ClientKeyFile), "client certificate", certFile);
            ssl.ClientCertificates = [certificate];
        }

        return new HttpClient(_options.CreateHandler(ssl), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private static bool TrustedBy(X509Certificate2Collection authorities, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        // Only the chain may be at fault: a name mismatch or a missing certificate is never forgiven.
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    private static T Load<T>(Func<T> load, string what, string path)
    {
        try
        {
            return load();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new SignalSourceException(ReadFailure.Connection, $"cannot load the TLS {what} {path}: {exception.Message}", exception);
        }
    }
}
