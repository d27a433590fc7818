using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Scaler.Testing;

/// <summary>
/// Bounded waiting for what crosses real I/O (a socket, a process, a broker): polls until a condition holds and
/// fails the test, naming the condition and what was last seen, when it does not within the timeout. Never a
/// sleep followed by an assertion that would pass anyway.
/// </summary>
internal static class Eventually
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Waits until <paramref name="condition"/> holds; <paramref name="tick"/> runs between polls (advancing a fake clock).</summary>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/> (default 10 s).</exception>
    public static async Task HoldsAsync(
        Func<bool> condition,
        TimeSpan? timeout = null,
        Action? tick = null,
        Func<string>? describe = null,
        [CallerArgumentExpression(nameof(condition))] string? what = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"not true within {limit.TotalSeconds:0.#} s: {what}{(describe is null ? "" : "; " + describe())}");
            }

            tick?.Invoke();
            await Task.Delay(DefaultInterval);
        }
    }

    /// <summary>Probes until <paramref name="accept"/> takes the answer, and returns it.</summary>
    /// <exception cref="TimeoutException">No answer was accepted within <paramref name="timeout"/> (default 10 s); the message holds the last one.</exception>
    public static async Task<T> ReturnsAsync<T>(
        Func<Task<T>> probe,
        Func<T, bool> accept,
        TimeSpan? timeout = null,
        TimeSpan? interval = null,
        [CallerArgumentExpression(nameof(accept))] string? what = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(accept);
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (accept(value))
            {
                return value;
            }

            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"no answer accepted within {limit.TotalSeconds:0.#} s by {what}; the last was {value}");
            }

            await Task.Delay(interval ?? DefaultInterval);
        }
    }
}
