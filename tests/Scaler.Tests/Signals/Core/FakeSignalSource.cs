using System.Threading.Channels;
using Scaler.Decisions;
using Scaler.Signals;

namespace Scaler.Tests.Signals.Core;

/// <summary>A query for <see cref="FakeSignalSource"/>; one key per name.</summary>
internal sealed record FakeQuery(string Name, string UpstreamName = "fake-upstream") : SignalQuery
{
    public const string SourceName = "fake";

    public override string Source => SourceName;

    public override string Key => "fake|" + Name;

    public override string Upstream => UpstreamName;
}

/// <summary>
/// A source whose every read does what <see cref="Behaviour"/> says (answer, throw, hang until
/// cancelled or released), counting reads and announcing each start so tests await it instead of sleeping.
/// Its upstream probe (<see cref="IUpstreamProbe{TQuery}"/>) behaves like a read of the probed query and is
/// counted apart (<see cref="Probes"/>, <see cref="ProbedQueries"/>).
/// </summary>
internal sealed class FakeSignalSource : ISignalSource<FakeQuery>, IUpstreamProbe<FakeQuery>
{
    private readonly Channel<CancellationToken> _started = Channel.CreateUnbounded<CancellationToken>();
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _probed = new();
    private int _reads;
    private int _probes;

    /// <summary>Probes made so far.</summary>
    public int Probes => Volatile.Read(ref _probes);

    /// <summary>The name of each query a probe was made with, in order.</summary>
    public IReadOnlyCollection<string> ProbedQueries => _probed;

    public async ValueTask ProbeAsync(FakeQuery query, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _probes);
        _probed.Enqueue(query.Name);
        await Behaviour(query, cancellationToken);
    }

    public Func<FakeQuery, CancellationToken, ValueTask<Reading>> Behaviour { get; set; } =
        static (_, _) => throw new InvalidOperationException("no behaviour set");

    public int Reads => Volatile.Read(ref _reads);

    public ValueTask<Reading> ReadAsync(FakeQuery query, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        _started.Writer.TryWrite(cancellationToken);
        return Behaviour(query, cancellationToken);
    }

    /// <summary>The next read's start (its cancellation token), within 10 s of real time.</summary>
    public async Task<CancellationToken> NextReadAsync() =>
        await _started.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>Answers <paramref name="value"/> observed now.</summary>
    public void Answer(TimeProvider time, double value) =>
        Behaviour = (_, _) => ValueTask.FromResult(Reading.Fresh(value, time.GetUtcNow()));

    /// <summary>Answers the read count so far, so each refresh is visible in the value.</summary>
    public void AnswerReadCount(TimeProvider time) =>
        Behaviour = (_, _) => ValueTask.FromResult(Reading.Fresh(Reads, time.GetUtcNow()));

    public void Throw(Func<Exception> exception) => Behaviour = (_, _) => throw exception();

    /// <summary>Every read waits until cancelled (a hung upstream).</summary>
    public void Hang() => Behaviour = static async (_, ct) =>
    {
        await Task.Delay(Timeout.Infinite, ct);
        throw new InvalidOperationException("unreachable");
    };

    /// <summary>Every read waits for <paramref name="release"/>, ignoring cancellation (a slow answer that does come).</summary>
    public void WaitFor(Task<Reading> release) => Behaviour = async (_, _) => await release;
}
