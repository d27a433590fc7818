using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Scaler.Signals;

/// <summary>Options of the reading cache as a whole.</summary>
internal sealed class ReadingCacheOptions
{
    /// <summary>Most keys (source, workload query) kept at once; beyond it the least recently asked are evicted. Default 10,000.</summary>
    [Range(1, 1_000_000)]
    public int MaxKeys { get; set; } = 10_000;

    /// <summary>
    /// Each wait between two refreshes of a key is shortened by a random share of up to this much of its
    /// interval, so that keys started together (a thousand ScaledObjects after a restart) spread out instead
    /// of reading their upstreams in lockstep; a key is never refreshed later than its interval. 0 turns it
    /// off. Default 0.1 (a 5 s interval waits 4.5–5 s).
    /// </summary>
    [Range(0.0, 0.5)]
    public double RefreshJitter { get; set; } = 0.1;
}

[OptionsValidator]
internal sealed partial class ReadingCacheOptionsValidator : IValidateOptions<ReadingCacheOptions>;
