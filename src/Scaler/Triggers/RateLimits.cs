using System.Collections.Immutable;
using Scaler.Decisions;

namespace Scaler.Triggers;

/// <summary>The rate limits of one direction as <c>scaleUpLimit</c> or <c>scaleDownLimit</c> writes them.</summary>
internal readonly record struct RateLimits(ImmutableArray<RateLimit> Limits, SelectPolicy Select);
