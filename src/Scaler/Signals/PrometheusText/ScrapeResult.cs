using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Scaler.Signals.PrometheusText;

/// <summary>The answer of one target: a parsed value, or a failure.</summary>
internal readonly record struct ScrapeResult<T>(T? Value, ScrapeFailure? Failure)
{
    public bool Succeeded => Failure is null;
}
