using System.Globalization;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Scaler.Decisions;

namespace Scaler.Signals;

/// <summary>
/// One upstream's circuit (a Prometheus server, a broker and vhost, a workload's pods) and the bookkeeping
/// behind its reasons. Only reads that found the upstream unreachable count against it
/// (<see cref="ReadFailures.IsUpstreamUnreachable"/>), once per read whatever its retries. While it is open,
/// no key's read goes out: a probe does, every <see cref="SignalSourceOptions.CircuitProbeInterval"/>: the
/// source's cheap request (<see cref="IUpstreamProbe{TQuery}"/>) or a read of the last query that succeeded,
/// never whichever key happens to ask next. When the probe gets through the circuit closes and
/// <see cref="Closed"/> tells the cache to read the upstream's keys at once.
/// </summary>
internal sealed class SignalCircuit : IDisposable
{
    private readonly SignalMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SignalProbe _probe;
    private readonly TimeSpan _probeInterval;
    private readonly TimeSpan _probeTimeout;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private SignalQuery? _probeQuery;
    private string _lastCause = "";
    private int _unreachableReads;
    private int _failuresAtOpen;
    private ITimer? _probeTimer;
    private bool _probeArmed;
    private bool _disposed;

    public SignalCircuit(string source, string upstream, SignalSourceOptions options, SignalProbe probe, SignalMetrics metrics, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Source = source;
        Upstream = upstream;
        _probe = probe;
        _probeInterval = options.CircuitProbeInterval;
        _probeTimeout = options.AttemptTimeout;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    public string Source { get; }

    public string Upstream { get; }

    public ResiliencePipeline Pipeline { get; set; } = ResiliencePipeline.Empty;

    public CircuitBreakerManualControl Control { get; } = new();

    /// <summary>Cache keys reading through this circuit (kept by <see cref="SignalPipelines"/>).</summary>
    internal int Keys { get; set; }

    /// <summary>Raised (on the probe's thread) when a probe got through and the circuit closed.</summary>
    public event Action<SignalCircuit>? Closed;

    /// <summary>Reads that found the upstream unreachable, in a row, when the circuit last opened.</summary>
    public int FailuresAtOpen => Volatile.Read(ref _failuresAtOpen);

    /// <summary>Why the upstream could not be reached, the last time it could not (credential-free).</summary>
    public string LastCause => Volatile.Read(ref _lastCause);

    /// <summary>How often an open circuit probes.</summary>
    public TimeSpan ProbeInterval => _probeInterval;

    /// <summary>
    /// One read through the pipeline (total timeout, circuit, retries, attempt timeout). Every attempt is timed
    /// and counted; an attempt's failure is counted under its reason. Throws what the pipeline throws (timeout,
    /// open circuit, the source's last error).
    /// </summary>
    public async ValueTask<Reading> ReadAsync(SignalReader source, SignalQuery query, CancellationToken stopping)
    {
        Interlocked.CompareExchange(ref _probeQuery, query, null);
        try
        {
            var reading = await Pipeline.ExecuteAsync(
                static (state, attempt) => state.Circuit.AttemptAsync(state.Source, state.Query, attempt, state.Stopping),
                (Circuit: this, Source: source, Query: query, Stopping: stopping),
                stopping).ConfigureAwait(false);

            // The upstream answered: this query is known to reach it, and is the probe while no better one comes.
            Interlocked.Exchange(ref _unreachableReads, 0);
            if (reading.IsUsable)
            {
                Volatile.Write(ref _probeQuery, query);
            }

            return reading;
        }
        catch (BrokenCircuitException)
        {
            // Open: make sure a probe is on its way (the breaker's own callback may not have run yet).
            ScheduleProbe(onlyIfIdle: true);
            throw;
        }
        catch (Exception exception) when (!stopping.IsCancellationRequested)
        {
            if (ReadFailures.IsUpstreamUnreachable(exception))
            {
                Interlocked.Increment(ref _unreachableReads);
                Volatile.Write(ref _lastCause, SecretScrubber.Scrub(exception.Message));
            }
            else
            {
                Interlocked.Exchange(ref _unreachableReads, 0);
            }

            throw;
        }
    }

    /// <summary>
    /// The pipeline opened the circuit on <paramref name="cause"/> (a read not yet counted here: the breaker
    /// decides before the read returns): remember why, and probe until the upstream answers.
    /// </summary>
    internal void Opened(Exception? cause)
    {
        if (cause is not null)
        {
            Volatile.Write(ref _lastCause, SecretScrubber.Scrub(cause.Message));
        }

        Volatile.Write(ref _failuresAtOpen, Volatile.Read(ref _unreachableReads) + 1);
        ScheduleProbe(onlyIfIdle: true);
    }

    /// <summary>The reason an open circuit gives its keys' readings.</summary>
    public string OpenReason() => string.Create(
        CultureInfo.InvariantCulture,
        $"upstream {Upstream} unreachable: circuit open after {Math.Max(1, FailuresAtOpen)} failed read{(FailuresAtOpen <= 1 ? "" : "s")} ({LastCause}); probing every {_probeInterval.TotalSeconds:0.###} s");

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _probeTimer?.Dispose();
            _probeTimer = null;
        }

        _stop.Cancel();
    }

    /// <summary>
    /// The next probe, one interval from now (a timer on the injected clock, set before this returns); with
    /// <paramref name="onlyIfIdle"/>, only when no probe is already due or running.
    /// </summary>
    private void ScheduleProbe(bool onlyIfIdle = false)
    {
        lock (_gate)
        {
            if (_disposed || (onlyIfIdle && _probeArmed))
            {
                return;
            }

            _probeArmed = true;

            // The probe outlives whichever read opened the circuit: no execution context of that read flows into it.
            using (ExecutionContext.SuppressFlow())
            {
                _probeTimer ??= _time.CreateTimer(static state => _ = ((SignalCircuit)state!).ProbeAsync(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }

            _probeTimer.Change(_probeInterval, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>One probe; closes the circuit when it got an answer, else schedules the next.</summary>
    private async Task ProbeAsync()
    {
        var stop = _stop.Token;
        try
        {
            if (await ProbeOnceAsync(stop).ConfigureAwait(false))
            {
                Interlocked.Exchange(ref _unreachableReads, 0);
                await Control.CloseAsync(stop).ConfigureAwait(false);
                lock (_gate)
                {
                    _probeArmed = false;
                }

                Closed?.Invoke(this);
                return;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return;
        }
#pragma warning disable CA1031 // The probe must go on whatever one attempt throws, or the circuit would stay open.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            SignalsLog.ProbeFailed(_logger, exception, Source, Upstream);
        }

        ScheduleProbe();
    }

    /// <summary>One probe within the attempt timeout: true when the upstream answered anything at all.</summary>
    private async Task<bool> ProbeOnceAsync(CancellationToken stop)
    {
        if (Volatile.Read(ref _probeQuery) is not { } query)
        {
            return false;
        }

        using var timeout = new CancellationTokenSource(_probeTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token);
        try
        {
            await _probe(query, linked.Token).ConfigureAwait(false);
            SignalsLog.ProbeSucceeded(_logger, Source, Upstream);
            return true;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            SignalsLog.ProbeUnreachable(_logger, Source, Upstream, "no answer in time");
            return false;
        }
        catch (Exception exception) when (!stop.IsCancellationRequested)
        {
            if (!ReadFailures.IsUpstreamUnreachable(exception))
            {
                // It answered, if only with an error of its own: reachable.
                SignalsLog.ProbeSucceeded(_logger, Source, Upstream);
                return true;
            }

            Volatile.Write(ref _lastCause, SecretScrubber.Scrub(exception.Message));
            SignalsLog.ProbeUnreachable(_logger, Source, Upstream, LastCause);
            return false;
        }
    }

    private async ValueTask<Reading> AttemptAsync(SignalReader source, SignalQuery query, CancellationToken attempt, CancellationToken stopping)
    {
        var started = _time.GetTimestamp();
        _metrics.Reads.WithLabels(Source).Inc();
        try
        {
            var reading = await source(query, attempt).ConfigureAwait(false);
            if (!reading.IsUsable)
            {
                _metrics.CountError(Source, reading.Failure ?? ReadFailure.Other);
            }

            return reading;
        }
        catch (Exception exception) when (!stopping.IsCancellationRequested)
        {
            // A cancelled attempt the host did not cancel was cut by a timeout.
            _metrics.CountError(Source, exception is OperationCanceledException ? ReadFailure.Timeout : ReadFailures.Classify(exception));
            throw;
        }
        finally
        {
            _metrics.ReadDuration.WithLabels(Source).Observe(_time.GetElapsedTime(started).TotalSeconds);
        }
    }
}
