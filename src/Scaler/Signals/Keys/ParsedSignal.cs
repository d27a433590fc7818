using Scaler.Decisions;

namespace Scaler.Signals.Keys;

/// <summary>One signal a source parsed from a trigger: how the engine treats it, what to read, and the keys that set it.</summary>
/// <param name="Spec">The engine's view (name, kind, role, target, activation threshold).</param>
/// <param name="Query">What the source reads for it.</param>
/// <param name="Identity">What it reads, for the trigger's metric name: never a host or a credential (the name must not change with a tuning edit).</param>
/// <param name="TargetKey">The key that sets <see cref="SignalSpec.Target"/>.</param>
/// <param name="ActivationKey">The key that sets <see cref="SignalSpec.ActivationThreshold"/>, if any.</param>
/// <param name="Source">The source's keys it came from.</param>
internal sealed record ParsedSignal(SignalSpec Spec, SignalQuery Query, string Identity, string TargetKey, string? ActivationKey, ITriggerKeys Source);
