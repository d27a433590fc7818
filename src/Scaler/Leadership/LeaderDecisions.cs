using System.Threading.Channels;
using Scaler.Signals;
using Scaler.Triggers;

namespace Scaler.Leadership;

/// <summary>
/// The one place every front door asks for a decision, so that all replicas give one answer: while this
/// replica leads (or decides alone) the decision is made here (<see cref="ITriggerDecider"/>); otherwise it is
/// the leader's, asked over the peer port (<see cref="PeerClient"/>). A door passes what it was asked
/// (<see cref="DecisionRequest"/>, for the leader to parse) and the trigger it parsed (to decide here); it never
/// knows which replica decided. See docs/availability.md for the seam a new front door uses.
/// </summary>
internal sealed class LeaderDecisions(Leadership leadership, ITriggerDecider decider, PeerClient peer, ReadingCache readings, TimeProvider time, IScaleTargetDecider? scaleTargets = null)
{
    /// <summary>A push stream's wait decides again at least this often, even without a signal change.</summary>
    public static readonly TimeSpan Recheck = TimeSpan.FromSeconds(5);

    // After the leader could not be asked, a stream waits this long before asking again (no hot loop).
    private static readonly TimeSpan RetryAfterNoAnswer = TimeSpan.FromSeconds(1);

    private string DecidedBy => leadership.Self?.Name ?? "this process";

    /// <summary>The decision for <paramref name="trigger"/> now.</summary>
    public async ValueTask<DecisionAnswer> DecideAsync(DecisionRequest request, Trigger trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        if (leadership.IsLeader)
        {
            return DecisionAnswer.From(await decider.DecideAsync(trigger, cancellationToken).ConfigureAwait(false), DecidedBy);
        }

        return await peer.DecideAsync(request, waitWhileActive: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A workload's own decision (the custom metrics API's), decided here while this replica leads, else the leader's.</summary>
    public async ValueTask<ScaleTargetAnswer> DecideScaleTargetAsync(ScaleTargetRequest request, CancellationToken cancellationToken) =>
        leadership.IsLeader
            ? await DecideScaleTargetHereAsync(request, cancellationToken).ConfigureAwait(false)
            : await peer.DecideScaleTargetAsync(request, cancellationToken).ConfigureAwait(false);

    /// <summary>Decides a workload here, for this replica's door or a peer's request.</summary>
    internal ValueTask<ScaleTargetAnswer> DecideScaleTargetHereAsync(ScaleTargetRequest request, CancellationToken cancellationToken) =>
        scaleTargets?.DecideAsync(request, DecidedBy, cancellationToken)
        ?? ValueTask.FromResult(ScaleTargetAnswer.Unavailable("this Scaler decides for no workload of its own (the custom metrics API is not composed in it)", time.GetUtcNow(), DecidedBy));

    /// <summary>
    /// For a push stream: the decision once its activity differs from <paramref name="wasActive"/>, or after
    /// <see cref="Recheck"/>, whichever comes first. While the wait lasts the trigger's signals are watched (read
    /// at their push interval, docs/signals.md), and each change of one is decided on at once.
    /// </summary>
    public async ValueTask<DecisionAnswer> NextActivityAsync(DecisionRequest request, Trigger trigger, bool wasActive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        if (leadership.IsLeader)
        {
            return await WaitHereAsync(trigger, wasActive, cancellationToken).ConfigureAwait(false);
        }

        var answer = await peer.DecideAsync(request, wasActive, cancellationToken).ConfigureAwait(false);
        if (answer.CannotDecide && answer.DecidedBy == DecidedBy)
        {
            // Nobody answered: ask again a little later rather than at once.
            await Task.Delay(RetryAfterNoAnswer, time, cancellationToken).ConfigureAwait(false);
        }

        return answer;
    }

    /// <summary>Decides here, for a peer's request: at once, or as <see cref="NextActivityAsync"/> when it waits on an activity.</summary>
    internal async ValueTask<DecisionAnswer> DecideHereAsync(Trigger trigger, bool? waitWhileActive, CancellationToken cancellationToken) =>
        waitWhileActive is { } active
            ? await WaitHereAsync(trigger, active, cancellationToken).ConfigureAwait(false)
            : DecisionAnswer.From(await decider.DecideAsync(trigger, cancellationToken).ConfigureAwait(false), DecidedBy);

    private async ValueTask<DecisionAnswer> WaitHereAsync(Trigger trigger, bool wasActive, CancellationToken cancellationToken)
    {
        var changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

        // Watched before the first decision, so that the first read of a new key already runs at the push interval.
        var watches = trigger.Queries.Values.DistinctBy(q => q.Key, StringComparer.Ordinal)
            .Select(q => readings.Watch(q, () => changed.Writer.TryWrite(true))).ToList();
        using var recheck = new CancellationTokenSource(Recheck, time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, recheck.Token);
        try
        {
            while (true)
            {
                var answer = DecisionAnswer.From(await decider.DecideAsync(trigger, cancellationToken).ConfigureAwait(false), DecidedBy);
                if (!answer.CannotDecide && answer.Active != wasActive)
                {
                    return answer;
                }

                try
                {
                    await changed.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return answer;
                }
            }
        }
        finally
        {
            foreach (var watch in watches)
            {
                watch.Dispose();
            }
        }
    }
}
