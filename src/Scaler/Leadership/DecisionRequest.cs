using Scaler.Triggers;

namespace Scaler.Leadership;

/// <summary>
/// What a front door was asked, as the leader needs it to decide: the object and the trigger's metadata as
/// the door received it, and the keys that belong to the door's caller (KEDA's own), which the parser ignores.
/// </summary>
internal sealed record DecisionRequest(ScaledObjectKey ScaledObject, IReadOnlyDictionary<string, string> Metadata, IReadOnlySet<string> IgnoredKeys);
