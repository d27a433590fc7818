using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Scaler.Signals;

/// <summary>
/// The dispatch table of the registered sources: a query's run-time type to the source that reads it (and
/// probes its upstream). Built once from the <see cref="SignalSourceRegistration"/>s; each source is resolved
/// on its first read.
/// </summary>
internal sealed class SignalSources
{
    private readonly FrozenDictionary<Type, Lazy<(SignalReader Reader, SignalProbe Probe)>> _sources;

    public SignalSources(IEnumerable<SignalSourceRegistration> registrations, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        var sources = new Dictionary<Type, Lazy<(SignalReader, SignalProbe)>>();
        foreach (var registration in registrations)
        {
            sources.TryAdd(registration.QueryType, new Lazy<(SignalReader, SignalProbe)>(() =>
            {
                var (reader, probe) = registration.Binding(services);

                // Without a probe of its own, a source is probed with a read: any answer means reachable.
                return (reader, probe ?? (async (query, cancellationToken) => await reader(query, cancellationToken).ConfigureAwait(false)));
            }));
        }

        _sources = sources.ToFrozenDictionary();
        Names = [.. registrations.Select(r => r.Name).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The names of the registered sources, in registration order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The reader of <paramref name="query"/>'s source; false when no source reads its type.</summary>
    public bool TryGetReader(SignalQuery query, [NotNullWhen(true)] out SignalReader? reader) => TryGet(query, out reader, out _);

    /// <summary>The reader and upstream probe of <paramref name="query"/>'s source; false when no source reads its type.</summary>
    public bool TryGet(SignalQuery query, [NotNullWhen(true)] out SignalReader? reader, [NotNullWhen(true)] out SignalProbe? probe)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (_sources.TryGetValue(query.GetType(), out var lazy))
        {
            (reader, probe) = lazy.Value;
            return true;
        }

        (reader, probe) = (null, null);
        return false;
    }
}
