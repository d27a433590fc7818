using System.Collections.Immutable;

namespace Scaler.Simulation;

/// <summary>The clairvoyant schedule (replicas asked for per slot) and its replay.</summary>
internal sealed record ClairvoyantResult(PolicyResult Result, ImmutableArray<int> Schedule, double SlotSeconds);
