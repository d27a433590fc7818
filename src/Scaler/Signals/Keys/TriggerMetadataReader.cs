using System.Globalization;
using Scaler.Durations;

namespace Scaler.Signals.Keys;

/// <summary>
/// One parse of a trigger's metadata: the values of the known keys (trimmed), typed getters that report a bad
/// value as "&lt;key&gt;: expected &lt;form&gt;, got '&lt;value&gt;'" (never repeating a secret), and every error so
/// far. A key that already failed reads as absent, so one mistake is reported once.
/// </summary>
internal sealed class TriggerMetadataReader
{
    private const int ShownValueLength = 80;

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, TriggerKey> _keys;
    private readonly List<string> _errors = [];
    private readonly HashSet<string> _failed = new(StringComparer.Ordinal);

    /// <param name="metadata">The trigger's metadata; keys not in <paramref name="keys"/> are left out.</param>
    /// <param name="keys">Every known key.</param>
    public TriggerMetadataReader(IReadOnlyDictionary<string, string> metadata, IReadOnlyDictionary<string, TriggerKey> keys)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        _keys = keys;

        // Sorted, so errors come out in the same order for the same metadata.
        foreach (var (key, value) in metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (keys.ContainsKey(key))
            {
                _values[key] = (value ?? "").Trim();
            }
        }
    }

    public IReadOnlyList<string> Errors => _errors;

    /// <summary>Refuses every key given with an empty value: a templating slip more often than a choice; every key needs a value.</summary>
    public void RefuseEmptyValues()
    {
        foreach (var (key, value) in _values)
        {
            if (value.Length == 0)
            {
                Fail(key, $"expected {_keys[key].Form}, got an empty value");
            }
        }
    }

    /// <summary>The known keys given, sorted.</summary>
    public IEnumerable<string> Given => _values.Keys;

    public bool Has(string key) => _values.ContainsKey(key);

    public bool Failed(params string[] keys) => keys.Any(_failed.Contains);

    /// <summary>The trimmed value; null when absent or when it already failed.</summary>
    public string? Text(string key) => _values.TryGetValue(key, out var value) && !_failed.Contains(key) ? value : null;

    /// <summary>A whole number at least <paramref name="minimum"/>; null when absent or bad (reported).</summary>
    public int? Whole(string key, int minimum)
    {
        if (Text(key) is not { } text)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= minimum)
        {
            return value;
        }

        Expected(key);
        return null;
    }

    /// <summary>A finite decimal number (no exponent) for which <paramref name="valid"/> holds; null when absent or bad (reported).</summary>
    public double? Number(string key, Func<double, bool> valid)
    {
        ArgumentNullException.ThrowIfNull(valid);
        if (Text(key) is not { } text)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            && double.IsFinite(value) && valid(value))
        {
            return value;
        }

        Expected(key);
        return null;
    }

    public double? Positive(string key) => Number(key, value => value > 0);

    public double? NonNegative(string key) => Number(key, value => value >= 0);

    public double? Percent(string key) => Number(key, value => value is >= 1 and <= 100);

    /// <summary>A duration in the product's form (<see cref="DurationText"/>); null when absent or bad (reported).</summary>
    public TimeSpan? Duration(string key)
    {
        if (Text(key) is not { } text)
        {
            return null;
        }

        if (DurationText.TryParse(text, out var value))
        {
            return value;
        }

        Expected(key);
        return null;
    }

    /// <summary>Reports "&lt;key&gt;: expected &lt;form&gt;, got '&lt;value&gt;'" (the value left out for a secret).</summary>
    public void Expected(string key)
    {
        var definition = _keys[key];
        Fail(key, definition.Secret
            ? $"expected {definition.Form} (the value is not repeated: it may hold credentials)"
            : $"expected {definition.Form}, got '{Shown(_values.GetValueOrDefault(key, ""))}'");
    }

    /// <summary>The form an error shows for <paramref name="key"/>.</summary>
    public string Form(string key) => _keys[key].Form;

    /// <summary>Reports "&lt;key&gt;: &lt;message&gt;"; the key then reads as absent.</summary>
    public void Fail(string key, string message)
    {
        _failed.Add(key);
        _errors.Add(Triggers.ErrorText.Cut($"{key}: {message}"));
    }

    /// <summary>Reports an error that already starts with the key(s) it is about (cut like every error: <see cref="Triggers.ErrorText"/>).</summary>
    public void AddError(string error) => _errors.Add(Triggers.ErrorText.Cut(error));

    /// <summary>Reports each of <paramref name="keys"/> that was given (and did not fail already) as used for nothing: "&lt;key&gt;: &lt;why&gt;".</summary>
    public void Orphans(string why, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (Has(key) && !_failed.Contains(key))
            {
                Fail(key, why);
            }
        }
    }

    /// <summary>A value as an error repeats it: at most 80 characters (<see cref="Triggers.ErrorText.Quote"/>).</summary>
    public static string Shown(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Triggers.ErrorText.Quote(value, ShownValueLength);
    }
}
