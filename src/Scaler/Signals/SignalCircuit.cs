using Polly;
using Scaler.Decisions;

namespace Scaler.Signals;

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
    public ValueTask<Reading> ReadAsync(SignalReader source, SignalQuery query, CancellationToken stopping) =>
        Pipeline.ExecuteAsync(
            static (state, attempt) => state.Circuit.AttemptAsync(state.Source, state.Query, attempt, state.Stopping),
            (Circuit: this, Source: source, Query: query, Stopping: stopping),
            stopping);

    internal void Opened() => Volatile.Write(ref _failuresAtOpen, Volatile.Read(ref _consecutiveFailures));

    private async ValueTask<Reading> AttemptAsync(SignalReader source, SignalQuery query, CancellationToken attempt, CancellationToken stopping)
    {
        var started = _time.GetTimestamp();
        _metrics.Reads.WithLabels(Source).Inc();
        try
        {
            var reading = await source(query, attempt).ConfigureAwait(false);
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
