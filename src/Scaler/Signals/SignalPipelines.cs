using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace Scaler.Signals;

/// <summary>
/// The Polly v8 pipelines reads go through, kept in Polly's <see cref="ResiliencePipelineRegistry{TKey}"/>: one
/// per (source, upstream), built from the source's <see cref="SignalSourceOptions"/> on first use. Outer to
/// inner: total timeout, jittered exponential retry (transport failures only), circuit breaker, attempt
/// timeout. A circuit is per upstream so one dead Prometheus server does not reject reads of another;
/// upstreams are the few servers configured in triggers, so the registry stays small.
/// </summary>
internal sealed class SignalPipelines : IDisposable
{
    private readonly ResiliencePipelineRegistry<CircuitKey> _registry = new();
    private readonly ConcurrentDictionary<CircuitKey, Lazy<SignalCircuit>> _circuits = new();
    private readonly IOptionsMonitor<SignalSourceOptions> _options;
    private readonly SignalMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public SignalPipelines(IOptionsMonitor<SignalSourceOptions> options, SignalMetrics metrics, TimeProvider time, ILogger<SignalPipelines> logger)
    {
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>The circuit of <paramref name="upstream"/> for <paramref name="source"/>: its pipeline and its failure count.</summary>
    public SignalCircuit Get(string source, string upstream) =>
        _circuits.GetOrAdd(new CircuitKey(source, upstream), static (key, self) => new Lazy<SignalCircuit>(() => self.Create(key)), this).Value;

    /// <summary>
    /// Starts disposing the registry without waiting: Polly's disposal waits for the reads still in flight (on the
    /// injected clock), which end once the cache has stopped their loops.
    /// </summary>
    public void Dispose() => _ = _registry.DisposeAsync().AsTask();

    private SignalCircuit Create(CircuitKey key)
    {
        var circuit = new SignalCircuit(key.Source, key.Upstream, _metrics, _time);
        circuit.Pipeline = _registry.GetOrAddPipeline(key, (builder, _) => Configure(builder, key, circuit));
        return circuit;
    }

    private void Configure(ResiliencePipelineBuilder builder, CircuitKey key, SignalCircuit circuit)
    {
        var (source, upstream) = key;
        var options = _options.Get(source);
        var state = _metrics.CircuitState.WithLabels(source, upstream);
        state.Set(0);
        builder.Name = source;
        builder.InstanceName = upstream;
        builder.TimeProvider = _time;
        builder.AddTimeout(new TimeoutStrategyOptions { Timeout = options.TotalTimeout });
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,

                // Answers (even "no value") are not retried: the upstream answered. Neither is an open circuit.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null and not OperationCanceledException and not BrokenCircuitException),
            });
        }

        builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.CircuitBreakerFailureRatio,
                MinimumThroughput = options.CircuitBreakerMinimumThroughput,
                SamplingDuration = options.CircuitBreakerSamplingDuration,
                BreakDuration = options.CircuitBreakerBreakDuration,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null and not OperationCanceledException),
                OnOpened = args =>
                {
                    circuit.Opened();
                    state.Set(2);
                    SignalsLog.CircuitOpened(_logger, source, upstream, circuit.FailuresAtOpen, args.BreakDuration);
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
            })
            .AddTimeout(new TimeoutStrategyOptions { Timeout = options.AttemptTimeout });
    }
}
