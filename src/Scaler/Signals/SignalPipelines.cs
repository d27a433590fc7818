using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Scaler.Signals;

/// <summary>
/// The circuits reads go through: one per (source, upstream endpoint), built from the source's
/// <see cref="SignalSourceOptions"/> on first use and dropped with its metric child when its last cache key
/// goes. Upstreams come from trigger metadata (any broker host, any Prometheus), so unlike Polly's
/// <c>ResiliencePipelineRegistry</c>, which keeps every pipeline for the process, circuits are counted per
/// key and removed. Each pipeline, outer to inner: total timeout, circuit breaker (counting reads that found
/// the upstream unreachable, once per read), jittered exponential retry (transport failures, not timeouts),
/// attempt timeout. One dead broker or Prometheus never rejects the reads of another, and one failing query
/// never opens its server's circuit.
/// </summary>
internal sealed class SignalPipelines : IDisposable
{
    private readonly Dictionary<CircuitKey, SignalCircuit> _circuits = [];
    private readonly Lock _gate = new();
    private readonly IOptionsMonitor<SignalSourceOptions> _options;
    private readonly SignalMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private bool _disposed;

    public SignalPipelines(IOptionsMonitor<SignalSourceOptions> options, SignalMetrics metrics, TimeProvider time, ILogger<SignalPipelines> logger)
    {
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>Raised (on the probe's thread) when an open circuit's probe got through and it closed.</summary>
    public event Action<SignalCircuit>? CircuitClosed;

    /// <summary>Circuits alive now (one per upstream some cached key reads).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _circuits.Count;
            }
        }
    }

    /// <summary>
    /// The circuit of <paramref name="upstream"/> for <paramref name="source"/>, counted for one more cache key
    /// until <see cref="Release"/>. <paramref name="probe"/> is used if the circuit is new.
    /// </summary>
    public SignalCircuit Acquire(string source, string upstream, SignalProbe probe)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var key = new CircuitKey(source, upstream);
            if (!_circuits.TryGetValue(key, out var circuit))
            {
                circuit = Create(key, probe);
                _circuits[key] = circuit;
            }

            circuit.Keys++;
            return circuit;
        }
    }

    /// <summary>One cache key no longer reads through <paramref name="circuit"/>; the last one removes it and its metric child.</summary>
    public void Release(SignalCircuit circuit)
    {
        ArgumentNullException.ThrowIfNull(circuit);
        lock (_gate)
        {
            var key = new CircuitKey(circuit.Source, circuit.Upstream);
            if (--circuit.Keys > 0 || !_circuits.TryGetValue(key, out var current) || !ReferenceEquals(current, circuit))
            {
                return;
            }

            _circuits.Remove(key);
            _metrics.CircuitState.RemoveLabelled(circuit.Source, LabelValues.Bounded(circuit.Upstream));
        }

        circuit.Closed -= OnClosed;
        circuit.Dispose();
    }

    public void Dispose()
    {
        List<SignalCircuit> circuits;
        lock (_gate)
        {
            _disposed = true;
            circuits = [.. _circuits.Values];
            _circuits.Clear();
        }

        foreach (var circuit in circuits)
        {
            circuit.Dispose();
        }
    }

    private void OnClosed(SignalCircuit circuit) => CircuitClosed?.Invoke(circuit);

    private SignalCircuit Create(CircuitKey key, SignalProbe probe)
    {
        var (source, upstream) = key;
        var options = _options.Get(source);
        var circuit = new SignalCircuit(source, upstream, options, probe, _metrics, _time, _logger);
        circuit.Closed += OnClosed;
        var state = _metrics.CircuitState.WithLabels(source, LabelValues.Bounded(upstream));
        state.Set(0);
        var builder = new ResiliencePipelineBuilder { Name = source, InstanceName = upstream, TimeProvider = _time };
        builder.AddTimeout(new TimeoutStrategyOptions { Timeout = options.TotalTimeout });
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = options.CircuitBreakerFailureRatio,
            MinimumThroughput = options.CircuitBreakerMinimumThroughput,
            SamplingDuration = options.CircuitBreakerSamplingDuration,
            BreakDuration = options.CircuitBreakerBreakDuration,
            ManualControl = circuit.Control,

            // Only the upstream being out of reach counts: a query's own 5xx or timeout is not the server's fault.
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e and not OperationCanceledException && ReadFailures.IsUpstreamUnreachable(e)),
            OnOpened = args =>
            {
                circuit.Opened(args.Outcome.Exception);
                state.Set(2);
                SignalsLog.CircuitOpened(_logger, source, upstream, circuit.FailuresAtOpen, circuit.LastCause, circuit.ProbeInterval);
                return default;
            },
            OnHalfOpened = _ =>
            {
                state.Set(1);
                SignalsLog.CircuitHalfOpen(_logger, source, upstream);
                return default;
            },
            OnClosed = _ =>
            {
                state.Set(0);
                SignalsLog.CircuitClosed(_logger, source, upstream);
                return default;
            },
        });
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,

                // Answers (even "no value") are not retried: the upstream answered. Nor is a timed-out attempt:
                // a slow query asked again is slow again, and holds one more of the server's query slots.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null and not OperationCanceledException and not BrokenCircuitException and not TimeoutRejectedException),
            });
        }

        builder.AddTimeout(new TimeoutStrategyOptions { Timeout = options.AttemptTimeout });
        circuit.Pipeline = builder.Build();
        return circuit;
    }
}
