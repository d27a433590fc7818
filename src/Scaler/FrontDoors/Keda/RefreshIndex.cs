using System.Collections.Concurrent;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// Which triggers read which reading key: a refresh of a key makes their last decisions old (their
/// <see cref="TriggerState.Version"/> goes up), so the next call decides afresh instead of reusing one.
/// </summary>
internal sealed class RefreshIndex
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<TriggerId, byte>> _byReadingKey = new(StringComparer.Ordinal);

    /// <summary>Indexes <paramref name="trigger"/> under <paramref name="readingKey"/>; safe against <see cref="Sweep"/> removing an empty set meanwhile.</summary>
    public void Add(string readingKey, TriggerId trigger)
    {
        while (true)
        {
            var triggers = _byReadingKey.GetOrAdd(readingKey, static _ => new());
            triggers.TryAdd(trigger, 0);
            if (_byReadingKey.TryGetValue(readingKey, out var indexed) && ReferenceEquals(indexed, triggers))
            {
                return;
            }
        }
    }

    public void Remove(string readingKey, TriggerId trigger)
    {
        if (_byReadingKey.TryGetValue(readingKey, out var triggers))
        {
            triggers.TryRemove(trigger, out _);
        }
    }

    /// <summary>The triggers that read <paramref name="readingKey"/>, enumerated in place (no snapshot, no lock).</summary>
    public IEnumerable<TriggerId> TriggersOf(string readingKey) =>
        _byReadingKey.TryGetValue(readingKey, out var triggers) ? triggers.Keys : [];

    /// <summary>Drops keys no trigger reads any more.</summary>
    public void Sweep()
    {
        foreach (var (key, triggers) in _byReadingKey)
        {
            // An empty set goes; one that gained a trigger while it was being removed goes back (Add checks too).
            if (triggers.IsEmpty && _byReadingKey.TryRemove(new KeyValuePair<string, ConcurrentDictionary<TriggerId, byte>>(key, triggers)) && !triggers.IsEmpty)
            {
                foreach (var (trigger, _) in triggers)
                {
                    Add(key, trigger);
                }
            }
        }
    }
}
