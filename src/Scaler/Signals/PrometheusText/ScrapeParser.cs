using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Scaler.Signals.PrometheusText;

/// <summary>Turns a scraped body into what the caller keeps; may throw <see cref="PrometheusTextFormatException"/>.</summary>
internal delegate T ScrapeParser<out T>(ReadOnlySpan<byte> body);
