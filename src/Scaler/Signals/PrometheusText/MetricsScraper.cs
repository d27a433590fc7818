using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Scaler.Signals.PrometheusText;

/// <summary>
/// Scrapes Prometheus text endpoints (exporters, model servers) over plain HTTP: one GET with a
/// deadline, the body read into a pooled buffer and handed to a parser as bytes, so nothing of a
/// 50 KiB document is kept beyond what the parser extracts. A failing target is a
/// <see cref="ScrapeFailure"/> (aggregating sources report it as partial coverage); only the caller's
/// own cancellation throws.
/// </summary>
internal sealed class MetricsScraper(HttpClient http, TimeProvider time)
{
    /// <summary>The named <see cref="HttpClient"/> registered for scrapes (<c>AddMetricsScraper</c>).</summary>
    public const string HttpClientName = "Scaler.Signals.MetricsScrape";

    private static readonly MediaTypeWithQualityHeaderValue TextPlain = new("text/plain") { CharSet = "utf-8" };

    /// <summary>GETs <paramref name="target"/> and parses the body.</summary>
    /// <param name="target">The endpoint (e.g. <c>http://10.0.3.7:9400/metrics</c>).</param>
    /// <param name="timeout">The deadline for the whole exchange, body included.</param>
    /// <param name="maxBytes">A larger body is a <see cref="ScrapeFailureKind.TooLarge"/> failure.</param>
    /// <param name="parse">Reads what the caller needs out of the body.</param>
    /// <param name="cancellationToken">The caller's cancellation; it propagates as <see cref="OperationCanceledException"/>.</param>
    public async Task<ScrapeResult<T>> ScrapeAsync<T>(Uri target, TimeSpan timeout, int maxBytes, ScrapeParser<T> parse, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        byte[]? buffer = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target);
            // The classic text format; servers that also speak OpenMetrics or protobuf fall back to it.
            request.Headers.Accept.Add(TextPlain);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var code = (int)response.StatusCode;
                return Fail<T>(ScrapeFailureKind.HttpStatus, code is >= 300 and < 400 ? $"HTTP {code}: a redirect, not followed" : $"HTTP {code}", code);
            }

            if (response.Content.Headers.ContentLength > maxBytes)
            {
                return Fail<T>(ScrapeFailureKind.TooLarge, $"the body is over {maxBytes} bytes");
            }

            var stream = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(response.Content.Headers.ContentLength + 1 ?? 64 * 1024, maxBytes + 1L));
                var length = 0;
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        if (length > maxBytes)
                        {
                            return Fail<T>(ScrapeFailureKind.TooLarge, $"the body is over {maxBytes} bytes");
                        }

                        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, maxBytes + 1L));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    var read = await stream.ReadAsync(buffer.AsMemory(length), linked.Token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    length += read;
                }

                if (length > maxBytes)
                {
                    return Fail<T>(ScrapeFailureKind.TooLarge, $"the body is over {maxBytes} bytes");
                }

                return new ScrapeResult<T>(parse(buffer.AsSpan(0, length)), null);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Fail<T>(ScrapeFailureKind.Timeout, $"no answer within {Format(timeout)}");
        }
        catch (HttpRequestException e)
        {
            return Fail<T>(ScrapeFailureKind.Unreachable, Describe(e));
        }
        catch (IOException)
        {
            return Fail<T>(ScrapeFailureKind.Unreachable, "connection broken mid-answer");
        }
        catch (PrometheusTextFormatException e)
        {
            return Fail<T>(ScrapeFailureKind.Malformed, $"malformed metrics: {e.Message}");
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static ScrapeResult<T> Fail<T>(ScrapeFailureKind kind, string reason, int? status = null) => new(default, new ScrapeFailure(kind, reason, status));

    private static string Describe(HttpRequestException e) => e switch
    {
        { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } } => "connection refused",
        { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionReset } } => "connection reset",
        { HttpRequestError: HttpRequestError.InvalidResponse } => "not an HTTP answer",
        { HttpRequestError: HttpRequestError.ResponseEnded } or { InnerException: IOException } => "connection broken mid-answer",
        _ => e.Message,
    };

    private static string Format(TimeSpan span) => span.TotalSeconds >= 1 && span.Milliseconds == 0 ? $"{span.TotalSeconds:0}s" : $"{span.TotalMilliseconds:0}ms";
}
