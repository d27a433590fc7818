using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Scaler.Signals.PrometheusText;

/// <summary>Why one target did not give a usable answer.</summary>
internal enum ScrapeFailureKind
{
    /// <summary>Connection refused, reset, DNS: the target could not be reached. Transient.</summary>
    Unreachable,

    /// <summary>No complete answer within the per-scrape timeout. Transient.</summary>
    Timeout,

    /// <summary>The target answered with a non-2xx status. 5xx is transient; others are not.</summary>
    HttpStatus,

    /// <summary>The body was larger than the limit.</summary>
    TooLarge,

    /// <summary>The body is not Prometheus text format (or lacks what the caller needs).</summary>
    Malformed,
}
