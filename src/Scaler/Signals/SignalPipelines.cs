using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using Polly;
using Scaler.Decisions;

namespace Scaler.Signals;

/// <summary>
/// The Polly v8 pipelines reads go through: one per (source kind, upstream), built from the source kind's
/// <see cref="SignalSourceOptions"/> on first use. Outer to inner: total timeout, jittered exponential
/// retry (transport failures only), circuit breaker, attempt timeout. A circuit is per upstream so one dead
/// Prometheus server does not reject reads of another; upstreams are the few servers configured in
/// triggers, so the map stays small.
/// </summary>
internal sealed class SignalPipelines
{
    private readonly ConcurrentDictionary<(string Source, string Upstream), SignalCircuit> _circuits = new();
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

    public SignalCircuit Get(string source, string upstream) =>
        _circuits.GetOrAdd((source, upstream), static (key, self) => self.Build(key.Source, key.Upstream), this);

    private SignalCircuit Build(string source, string upstream)
    {
        var options = _options.Get(source);
        var circuit = new SignalCircuit(source, upstream, _metrics, _time);
        var state = _metrics.CircuitState.WithLabels(source, upstream);
        state.Set(0);
        var builder = new ResiliencePipelineBuilder { Name = source, InstanceName = upstream, TimeProvider = _time };
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

        circuit.Pipeline = builder
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
            .AddTimeout(new TimeoutStrategyOptions { Timeout = options.AttemptTimeout })
            .Build();
        return circuit;
    }
}

/// <summary>One upstream's pipeline and the bookkeeping behind "circuit open after N failures".</summary>
internal sealed class SignalCircuit
{
    private readonly SignalMetrics _metrics;
    private readonly TimeProvider _time;
    private int _consecutiveFailures;
    private int _failuresAtOpen;

    public SignalCircuit(string source, string upstream, SignalMetrics metrics, TimeProvider time)
    {
        Source = source;
        Upstream = upstream;
        _metrics = metrics;
        _time = time;
    }

    public string Source { get; }

    public string Upstream { get; }

    public ResiliencePipeline Pipeline { get; set; } = ResiliencePipeline.Empty;

    /// <summary>Failed attempts in a row when the circuit last opened.</summary>
    public int FailuresAtOpen => Volatile.Read(ref _failuresAtOpen);

    /// <summary>
    /// One read through the pipeline. Every attempt is timed and counted; an attempt's failure is counted
    /// under its reason. Throws what the pipeline throws (timeout, open circuit, the source's last error).
    /// </summary>
    public ValueTask<Reading> ReadAsync<TQuery>(ISignalSource<TQuery> source, TQuery query, CancellationToken stopping)
        where TQuery : SignalQuery =>
        Pipeline.ExecuteAsync(
            static (state, attempt) => state.Circuit.AttemptAsync(state.Source, state.Query, attempt, state.Stopping),
            (Circuit: this, Source: source, Query: query, Stopping: stopping),
            stopping);

    internal void Opened() => Volatile.Write(ref _failuresAtOpen, Volatile.Read(ref _consecutiveFailures));

    private async ValueTask<Reading> AttemptAsync<TQuery>(ISignalSource<TQuery> source, TQuery query, CancellationToken attempt, CancellationToken stopping)
        where TQuery : SignalQuery
    {
        var started = _time.GetTimestamp();
        _metrics.Reads.WithLabels(Source).Inc();
        try
        {
            var reading = await source.ReadAsync(query, attempt).ConfigureAwait(false);
            Interlocked.Exchange(ref _consecutiveFailures, 0);
            if (!reading.IsUsable)
            {
                _metrics.CountError(Source, reading.Failure ?? ReadFailure.Other);
            }

            return reading;
        }
        catch (Exception exception) when (!stopping.IsCancellationRequested)
        {
            Interlocked.Increment(ref _consecutiveFailures);

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

internal static partial class SignalsLog
{
    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Circuit of {Source} upstream {Upstream} opened after {Failures} failed attempts; reads are rejected for {BreakDuration}")]
    public static partial void CircuitOpened(ILogger logger, string source, string upstream, int failures, TimeSpan breakDuration);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Circuit of {Source} upstream {Upstream} half-open: the next read is a probe")]
    public static partial void CircuitHalfOpen(ILogger logger, string source, string upstream);

    [LoggerMessage(EventId = 204, Level = LogLevel.Information, Message = "Circuit of {Source} upstream {Upstream} closed: reads go through again")]
    public static partial void CircuitClosed(ILogger logger, string source, string upstream);
}
