using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Scaler.Triggers;

namespace Scaler.FrontDoors.Keda;

/// <summary>
/// Parsed triggers by the metadata KEDA sends with every call: the triggers of a ScaledObject (a few, one per
/// Scaler trigger) are reused while the metadata is the same, compared pair by pair: no sorting, no key string
/// and no allocation per call. KEDA's own keys are accepted unread.
/// </summary>
internal sealed class KedaTriggerCache(TriggerParser parser)
{
    /// <summary>Parsed triggers kept per ScaledObject (one per Scaler trigger; more than this re-parse in turn).</summary>
    internal const int PerScaledObject = 8;

    private const int MaxScaledObjects = 10_000;

    private readonly ConcurrentDictionary<(string Namespace, string Name), Parsed[]> _parsed = new();
    private int _parses;

    /// <summary>
    /// Raised on the calling gRPC thread for every refused parse of a named ScaledObject (each KEDA call with bad
    /// metadata); the handler must not block or throw. The event writer turns it into a Warning Event.
    /// </summary>
    public event Action<MetadataRejection>? Rejected;

    /// <summary>How many times metadata was parsed (a cache miss); tests check that known metadata is not re-parsed.</summary>
    public int ParseCount => Volatile.Read(ref _parses);

    /// <summary>The trigger <paramref name="metadata"/> describes; false with every error, each naming its key.</summary>
    public bool TryParse(string @namespace, string name, IReadOnlyDictionary<string, string> metadata, [NotNullWhen(true)] out Trigger? trigger, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var id = (@namespace ?? "", name ?? "");
        if (_parsed.TryGetValue(id, out var before))
        {
            foreach (var candidate in before)
            {
                if (candidate.SameMetadata(metadata))
                {
                    trigger = candidate.Trigger;
                    errors = [];
                    return true;
                }
            }
        }

        Interlocked.Increment(ref _parses);
        var problems = new List<string>();
        if (string.IsNullOrEmpty(@namespace))
        {
            problems.Add("namespace: the ScaledObject's namespace is required");
        }

        if (string.IsNullOrEmpty(name))
        {
            problems.Add("name: the ScaledObject's name is required");
        }

        var parsed = parser.TryParse(new ScaledObjectKey(id.Item1, id.Item2), metadata, KedaMetadataKeys.Ignored, out trigger, out var metadataErrors);
        problems.AddRange(metadataErrors);
        errors = problems;
        if (!parsed || trigger is null || problems.Count > 0)
        {
            trigger = null;
            if (!string.IsNullOrEmpty(@namespace) && !string.IsNullOrEmpty(name))
            {
                Rejected?.Invoke(new MetadataRejection(new ScaledObjectKey(@namespace, name), problems));
            }

            return false;
        }

        if (_parsed.Count >= MaxScaledObjects)
        {
            _parsed.Clear();
        }

        // Copy on write: readers iterate an array that never changes. The newest goes first; beyond
        // PerScaledObject the oldest is dropped (it is parsed again if its trigger comes back).
        var entry = new Parsed(new Dictionary<string, string>(metadata, StringComparer.Ordinal), trigger);
        _parsed.AddOrUpdate(
            id,
            static (_, e) => [e],
            static (_, existing, e) => [e, .. existing.Where(p => !p.SameMetadata(e.Metadata)).Take(PerScaledObject - 1)],
            entry);
        return true;
    }

    /// <summary>Forgets one trigger's parse; its siblings on the same ScaledObject keep theirs.</summary>
    public void Forget(TriggerId trigger)
    {
        // Conditional updates: if TryParse changed the entry meanwhile, the trigger stays cached, which is harmless.
        var id = (trigger.ScaledObject.Namespace, trigger.ScaledObject.Name);
        if (_parsed.TryGetValue(id, out var parsed))
        {
            Parsed[] kept = [.. parsed.Where(p => p.Trigger.MetricName != trigger.MetricName)];
            _ = kept.Length == 0 ? _parsed.TryRemove(new KeyValuePair<(string, string), Parsed[]>(id, parsed)) : _parsed.TryUpdate(id, kept, parsed);
        }
    }

    /// <summary>A trigger and the metadata it was parsed from.</summary>
    private sealed record Parsed(Dictionary<string, string> Metadata, Trigger Trigger)
    {
        /// <summary>
        /// Same count and every stored pair present with the same value means the same map (keys are unique).
        /// Enumerates the stored Dictionary (a struct enumerator) and looks up the caller's map, so nothing is
        /// allocated, whatever type the caller's map is.
        /// </summary>
        public bool SameMetadata(IReadOnlyDictionary<string, string> metadata)
        {
            if (metadata.Count != Metadata.Count)
            {
                return false;
            }

            foreach (var (key, value) in Metadata)
            {
                if (!metadata.TryGetValue(key, out var other) || !string.Equals(value, other, StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
