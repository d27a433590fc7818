using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Scaler.Signals;

/// <summary>
/// The dispatch table of the registered sources: a query's run-time type to the source that reads it.
/// Built once from the <see cref="SignalSourceRegistration"/>s; each source is resolved on its first read.
/// </summary>
internal sealed class SignalSources
{
    private readonly FrozenDictionary<Type, Lazy<SignalReader>> _readers;

    public SignalSources(IEnumerable<SignalSourceRegistration> registrations, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        var readers = new Dictionary<Type, Lazy<SignalReader>>();
        foreach (var registration in registrations)
        {
            readers.TryAdd(registration.QueryType, new Lazy<SignalReader>(() => registration.Reader(services)));
        }

        _readers = readers.ToFrozenDictionary();
        Names = [.. registrations.Select(r => r.Name).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The names of the registered sources, in registration order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The reader of <paramref name="query"/>'s source; false when no source reads its type.</summary>
    public bool TryGetReader(SignalQuery query, [NotNullWhen(true)] out SignalReader? reader)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (_readers.TryGetValue(query.GetType(), out var lazy))
        {
            reader = lazy.Value;
            return true;
        }

        reader = null;
        return false;
    }
}
