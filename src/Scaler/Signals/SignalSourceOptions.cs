using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Scaler.Signals;

/// <summary>
/// How one kind of source is refreshed, aged and protected: named options, the name is
/// <see cref="SignalQuery.Source"/> (<c>prometheus</c>, <c>rabbitmq</c>, ...). Each source's <c>Add*Signals</c>
/// sets its own defaults; operators override them under the configuration section <c>Signals:&lt;source&gt;</c>.
/// The defaults fit KEDA's ~3 s call budget (keda.md §2.7): callers never wait on an upstream except for a
/// key's very first read, and then at most <see cref="FirstReadWait"/>.
/// </summary>
internal sealed class SignalSourceOptions : IValidatableObject
{
    /// <summary>How often a key's reading is re-read in the background (start to start). Default 5 s (pod scrapes use 2 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often a key refreshes while a push stream watches it (<see cref="ReadingCache.Watch"/>; KEDA's
    /// <c>StreamIsActive</c> must say <c>true</c> within 1 s of the signal). Push latency is this wait plus
    /// one read, so it is kept well under 1 s; the cost is per watched key only. A <see cref="RefreshInterval"/>
    /// shorter than this wins. Default 500 ms.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan PushRefreshInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A reading whose last good value is older than this is stale even if no read failed yet (a read hangs). Default 15 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A reading whose last good value is older than this is unavailable (NaN): the last good value is no longer served. Default 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan UnavailableAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A key nobody asked for in this long stops refreshing and is evicted (bounded memory). Default 5 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long the first ask for a new key waits for its first read before answering
    /// "unavailable: first read in progress". Default 2 s (inside KEDA's 3 s budget).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan FirstReadWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Timeout of one attempt. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Timeout of one read with all its retries; retries stop when it fires. Default 3 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Retries after a failed attempt (transport failures only; an answer without a value is not retried). Default 2.</summary>
    [Range(0, 10)]
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>Base of the jittered exponential back-off between attempts. Default 100 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest back-off between attempts. Default 500 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Share of failed attempts within <see cref="CircuitBreakerSamplingDuration"/> that opens the circuit of one upstream. Default 0.8.</summary>
    [Range(0.01, 1.0)]
    public double CircuitBreakerFailureRatio { get; set; } = 0.8;

    /// <summary>Attempts within the sampling window before the circuit can open. Default 5.</summary>
    [Range(2, 1000)]
    public int CircuitBreakerMinimumThroughput { get; set; } = 5;

    /// <summary>Window the failure ratio is measured over. Default 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan CircuitBreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long an open circuit holds its keys' reads when no probe gets through: then one key's read is let
    /// through (half-open). Only a backstop behind the probes (<see cref="CircuitProbeInterval"/>), which are
    /// what closes a circuit. Default 5 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")]
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often an open circuit probes its upstream (the source's cheap request, or a read of the last query
    /// that succeeded; never whichever key asks next). When a probe gets an answer the circuit closes and the
    /// upstream's keys are read at once, so readings recover within about this long of the upstream coming
    /// back. Default 1 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan CircuitProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (StaleAfter < RefreshInterval)
        {
            yield return new ValidationResult($"{nameof(StaleAfter)} ({StaleAfter}) must be at least {nameof(RefreshInterval)} ({RefreshInterval}), or every reading turns stale between two refreshes.", [nameof(StaleAfter)]);
        }

        if (UnavailableAfter <= StaleAfter)
        {
            yield return new ValidationResult($"{nameof(UnavailableAfter)} ({UnavailableAfter}) must be longer than {nameof(StaleAfter)} ({StaleAfter}).", [nameof(UnavailableAfter)]);
        }

        if (IdleTimeout < RefreshInterval)
        {
            yield return new ValidationResult($"{nameof(IdleTimeout)} ({IdleTimeout}) must be at least {nameof(RefreshInterval)} ({RefreshInterval}).", [nameof(IdleTimeout)]);
        }

        if (AttemptTimeout > TotalTimeout)
        {
            yield return new ValidationResult($"{nameof(AttemptTimeout)} ({AttemptTimeout}) must not exceed {nameof(TotalTimeout)} ({TotalTimeout}).", [nameof(AttemptTimeout)]);
        }

        if (RetryMaxDelay < RetryBaseDelay)
        {
            yield return new ValidationResult($"{nameof(RetryMaxDelay)} ({RetryMaxDelay}) must be at least {nameof(RetryBaseDelay)} ({RetryBaseDelay}).", [nameof(RetryMaxDelay)]);
        }
    }
}

[OptionsValidator]
internal sealed partial class SignalSourceOptionsValidator : IValidateOptions<SignalSourceOptions>;
