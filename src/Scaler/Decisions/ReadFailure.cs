namespace Scaler.Decisions;

/// <summary>
/// Why a read gave no fresh value, as a closed set: the <c>reason</c> label of
/// <c>scaler_signal_read_errors_total</c> (free text goes into <see cref="Reading.Reason"/>, never into a label).
/// </summary>
internal enum ReadFailure
{
    /// <summary>An attempt or the whole read ran past its timeout.</summary>
    Timeout,

    /// <summary>Connection refused, reset, DNS or TLS failure.</summary>
    Connection,

    /// <summary>The upstream rejected the request (bad query, unauthorized, not found): HTTP 4xx or the protocol's equivalent.</summary>
    Rejected,

    /// <summary>The upstream failed: HTTP 5xx.</summary>
    ServerError,

    /// <summary>The upstream answered with no value (empty vector, no such series).</summary>
    Empty,

    /// <summary>The value is NaN or ±Inf.</summary>
    NotFinite,

    /// <summary>The answer is ambiguous: more than one series where one is expected.</summary>
    MultipleValues,

    /// <summary>The answer could not be parsed.</summary>
    Malformed,

    /// <summary>The circuit breaker is open; the upstream was not asked.</summary>
    CircuitOpen,

    /// <summary>Anything else.</summary>
    Other,
}
