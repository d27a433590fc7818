using Scaler.Decisions;
using Scaler.Triggers;

namespace Scaler.Leadership;

/// <summary>
/// Where this replica's decisions are made and their state kept (the engine's history per trigger): used by
/// <see cref="LeaderDecisions"/> while this replica leads. Throws <see cref="TriggerLimitException"/> for a new
/// trigger beyond the limits.
/// </summary>
internal interface ITriggerDecider
{
    ValueTask<Decision> DecideAsync(Trigger trigger, CancellationToken cancellationToken);
}
