using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Scaler.Signals.PrometheusText;

/// <summary>One target's failure, with a reason an operator can act on (no credentials: targets are pod addresses).</summary>
internal sealed record ScrapeFailure(ScrapeFailureKind Kind, string Reason, int? StatusCode = null)
{
    /// <summary>Whether retrying the read may help (the pipeline retries reads that throw).</summary>
    public bool IsTransient => Kind is ScrapeFailureKind.Unreachable or ScrapeFailureKind.Timeout
        || (Kind == ScrapeFailureKind.HttpStatus && StatusCode >= 500);
}
